/* eslint-disable no-console */
/**
 * Benchmark: environment rollout with the envmesh engine vs. a sequential `helm upgrade --install --wait` loop.
 *
 * Run from the repository root:
 *
 *   node --require @backstage/cli/config/nodeTransform.cjs bench/environment-rollout/run.ts \
 *     [--sizes 50,300] [--out bench/environment-rollout/results.md] [--skip-helm-loop] [--note TEXT]...
 *
 * For each size N it generates N services (the shared example chart plus services/svc-NNNN/{values,service}.yaml),
 * imports them, creates an environment with all of them (timed until the operation succeeded; every Deployment
 * is then checked ready in the cluster), copies that environment to a new namespace, and finally installs the
 * same services one after the other with `helm upgrade --install --wait` into a third namespace. Everything runs
 * against one local control plane (etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kwok) started in
 * this process; the engine is wired the way plugins/environments-backend/src/plugin.ts wires it and runs in this
 * process too, so this process's peak RSS is the backend's.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { AppsV1Api, CoreV1Api, NetworkingV1Api } from '@kubernetes/client-node';
import knexFactory, { Knex } from 'knex';
import { binaryPath, startLocalCluster } from '@envmesh/local-cluster';
import type { LocalCluster } from '@envmesh/local-cluster';
import { cpuSample, machineInfo, otherCpuShare } from '../lib/machine';
import { generateServices } from '../lib/services';
import {
  ACTOR,
  benchLogger,
  CLUSTER,
  engineConfig,
  OperationSummary,
  OWNER,
  waitOperation,
} from '../lib/engine';
import {
  describeOtherCpu,
  verdict,
  fmt,
  formatLoad,
  machineLines,
  readArgs,
  runMain,
  say,
  stopOnSignals,
  writeReport,
} from '../lib/report';
import {
  createDatabaseStores,
  createEnvironmentsBackend,
  HelmRenderer,
} from '@envmesh/engine-test-utils/engineParts';
import type { EnvironmentsBackend } from '@envmesh/engine-test-utils/engineParts';

const execFileAsync = promisify(execFile);

/** The settings plugin.ts uses by default (and the issue asks for). */
const PARALLELISM = 8;
const READY_TIMEOUT_MS = 300_000;
const RENDER_CONCURRENCY = 4;

// ---------------------------------------------------------------- arguments

function parseArgs(argv: string[]) {
  let sizes = [50, 300];
  let out = 'bench/environment-rollout/results.md';
  let skipHelmLoop = false;
  let http2 = false;
  const notes: string[] = [];
  readArgs(
    argv,
    'node --require @backstage/cli/config/nodeTransform.cjs bench/environment-rollout/run.ts [--sizes 50,300] [--out FILE] [--skip-helm-loop] [--http2] [--note TEXT]...',
    (arg, value) => {
      if (arg === '--sizes') {
        sizes = value()
          .split(',')
          .map(s => Number(s.trim()));
        if (sizes.some(n => !Number.isInteger(n) || n < 1 || n > 9999)) {
          throw new Error(
            '--sizes takes a comma-separated list of integers 1..9999',
          );
        }
      } else if (arg === '--out') {
        out = value();
      } else if (arg === '--skip-helm-loop') {
        skipHelmLoop = true;
      } else if (arg === '--http2') {
        http2 = true;
      } else if (arg === '--note') {
        notes.push(value());
      } else {
        return false;
      }
      return true;
    },
  );
  return { sizes, out: path.resolve(out), skipHelmLoop, http2, notes };
}

// ---------------------------------------------------------------- helpers

function seconds(ms: number) {
  return ms / 1000;
}

function peakRssMb() {
  // process.resourceUsage().maxRSS is in kilobytes.
  return process.resourceUsage().maxRSS / 1024;
}

/**
 * Times calls of selected methods of the engine's parts (wrapped on the instances, the sources are untouched):
 * how the wall time of an operation splits into rendering, applying and store work.
 */
class Probe {
  #stats = new Map<string, { calls: number; ms: number; max: number }>();

  wrap(target: any, label: string, methods: string[]) {
    for (const method of methods) {
      const original = target[method];
      if (typeof original !== 'function') continue;
      const key = `${label}.${method}`;
      target[method] = async (...args: unknown[]) => {
        const started = performance.now();
        try {
          return await original.apply(target, args);
        } finally {
          const ms = performance.now() - started;
          const entry = this.#stats.get(key) ?? { calls: 0, ms: 0, max: 0 };
          entry.calls++;
          entry.ms += ms;
          entry.max = Math.max(entry.max, ms);
          this.#stats.set(key, entry);
        }
      };
    }
  }

  reset() {
    this.#stats.clear();
  }

  snapshot() {
    return new Map([...this.#stats].map(([k, v]) => [k, { ...v }] as const));
  }
}

type ProbeSnapshot = ReturnType<Probe['snapshot']>;

/** One line per wrapped call kind: calls, summed time (concurrent calls overlap), mean and max. */
function describeProbe(
  snapshot: ProbeSnapshot,
  exclude: RegExp = /getOperation$/,
): string[] {
  const line = (label: string, v: { calls: number; ms: number; max: number }) =>
    `${label}: ${v.calls} calls, ${fmt(v.ms / 1000, 1)} s summed, mean ${fmt(
      v.ms / v.calls,
      0,
    )} ms, max ${fmt(v.max, 0)} ms`;
  const out: string[] = [];
  const store = [...snapshot].filter(
    ([k]) => k.startsWith('store.') && !exclude.test(k),
  );
  for (const [k, v] of snapshot) {
    if (!k.startsWith('store.')) out.push(line(k, v));
  }
  if (store.length) {
    const total = store.reduce(
      (a, [, v]) => ({
        calls: a.calls + v.calls,
        ms: a.ms + v.ms,
        max: Math.max(a.max, v.max),
      }),
      { calls: 0, ms: 0, max: 0 },
    );
    const top = store
      .sort(([, a], [, b]) => b.ms - a.ms)
      .slice(0, 4)
      .map(
        ([k, v]) =>
          `${k.slice('store.'.length)} ${v.calls}× ${fmt(v.ms / 1000, 1)} s`,
      )
      .join(', ');
    out.push(
      `${line('store (all methods but getOperation)', total)}; most: ${top}`,
    );
  }
  return out;
}

/** Mean and 95th percentile of the apply steps' durations. */
function applyStepStats(op: {
  steps: Array<{ service?: string; startedAt?: string; finishedAt?: string }>;
}) {
  const durations = op.steps
    .filter(s => s.service !== undefined && s.startedAt && s.finishedAt)
    .map(s => Date.parse(s.finishedAt!) - Date.parse(s.startedAt!))
    .sort((a, b) => a - b);
  if (!durations.length) return undefined;
  const mean = durations.reduce((a, b) => a + b, 0) / durations.length;
  const p95 =
    durations[
      Math.min(durations.length - 1, Math.floor(durations.length * 0.95))
    ];
  return `apply steps: mean ${fmt(mean, 0)} ms, p95 ${fmt(
    p95,
    0,
  )} ms, max ${fmt(
    durations[durations.length - 1],
    0,
  )} ms (parallelism ${PARALLELISM})`;
}

/** The cost of one `helm template` of the shared chart, run sequentially (a reference for the render cost). */
async function helmTemplateReference(
  chartDir: string,
  runs = 10,
): Promise<number> {
  const helm = binaryPath('helm');
  const started = performance.now();
  for (let i = 0; i < runs; i++) {
    await execFileAsync(
      helm,
      ['template', `ref-${i}`, chartDir, '--namespace', 'ref'],
      {
        maxBuffer: 64 * 1024 * 1024,
      },
    );
  }
  return (performance.now() - started) / runs;
}

// ---------------------------------------------------------------- services

// ---------------------------------------------------------------- engine

interface Engine {
  engine: EnvironmentsBackend;
  renderer: HelmRenderer;
  probe: Probe;
  close(): Promise<void>;
}

async function buildEngine(
  cluster: LocalCluster,
  knex: Knex,
  http2: boolean,
): Promise<Engine> {
  const logger = benchLogger();
  const probe = new Probe();
  const stores = await createDatabaseStores({
    database: { getClient: async () => knex },
  });
  for (const store of [
    stores.environments,
    stores.operations,
    stores.inventories,
    stores.revisions,
    stores.registry,
  ]) {
    probe.wrap(
      store,
      'store',
      // Public methods only: the private helpers run inside them and would be counted twice.
      Object.getOwnPropertyNames(Object.getPrototypeOf(store)).filter(
        m => m !== 'constructor' && !/^(assert|write|insert)[A-Z]/.test(m),
      ),
    );
  }
  const backend = await createEnvironmentsBackend({
    logger,
    stores,
    config: engineConfig(cluster, {
      clusters: { http2 },
      render: { concurrency: RENDER_CONCURRENCY },
      rollout: {
        parallelism: PARALLELISM,
        readyTimeoutSeconds: READY_TIMEOUT_MS / 1000,
      },
    }),
  });
  // The engine as the backend plugin builds it; the probe counts calls on the very instances it uses.
  const renderer = backend.renderer;
  // No parts are replaced here, so the renderer is the default one, whose helm runs the report counts.
  if (!(renderer instanceof HelmRenderer)) {
    throw new Error('the engine was built without its Helm renderer');
  }
  probe.wrap(renderer, 'renderer', ['render', 'chartDefaults']);
  probe.wrap(backend.applier, 'applier', ['apply']);
  backend.runner.start();
  return {
    engine: backend,
    renderer,
    probe,
    close: () => backend.close(),
  };
}

/** Per startup group: wall time of the apply steps, and of the wait-for-ready step. */
function phaseBreakdown(op: OperationSummary) {
  const ms = (s?: string) => (s ? Date.parse(s) : NaN);
  const span = (steps: typeof op.steps) => {
    const starts = steps
      .map(s => ms(s.startedAt))
      .filter(x => !Number.isNaN(x));
    const ends = steps.map(s => ms(s.finishedAt)).filter(x => !Number.isNaN(x));
    if (!starts.length || !ends.length) return undefined;
    return seconds(Math.max(...ends) - Math.min(...starts));
  };
  const parts: string[] = [];
  const prepare = op.steps.filter(
    s => s.service === undefined && s.group === undefined,
  );
  const groups = [
    ...new Set(op.steps.filter(s => s.group !== undefined).map(s => s.group!)),
  ].sort((a, b) => a - b);
  const first = prepare[0];
  if (first) parts.push(`${first.name}: ${fmt(span([first]), 2)} s`);
  for (const g of groups) {
    const applies = op.steps.filter(
      s => s.group === g && s.service !== undefined,
    );
    const wait = op.steps.filter(s => s.group === g && s.service === undefined);
    parts.push(
      `group ${g}: apply ${applies.length} services ${fmt(
        span(applies),
        2,
      )} s, wait ready ${fmt(span(wait), 2)} s`,
    );
  }
  const last = prepare.length > 1 ? prepare[prepare.length - 1] : undefined;
  if (last) parts.push(`${last.name}: ${fmt(span([last]), 2)} s`);
  const total =
    op.startedAt && op.finishedAt
      ? seconds(Date.parse(op.finishedAt) - Date.parse(op.startedAt))
      : undefined;
  const queued = op.startedAt
    ? seconds(Date.parse(op.startedAt) - Date.parse(op.createdAt))
    : undefined;
  return { text: parts.join('; '), total, queued };
}

// ---------------------------------------------------------------- cluster checks

/**
 * How many ClusterIPs the cluster can hand out (from its default ServiceCIDR, minus the `kubernetes` Service),
 * or undefined when unknown. The local cluster's service range is small (a /24 when this was written: 253
 * Services), fewer than one 300-service environment needs; a size whose three namespaces (create, copy, helm
 * loop) would not fit then uses headless Services, which need no ClusterIP.
 */
async function serviceIpCapacity(
  cluster: LocalCluster,
): Promise<{ cidrs: string[]; capacity: number } | undefined> {
  try {
    const cidr = await cluster.kubeConfig
      .makeApiClient(NetworkingV1Api)
      .readServiceCIDR({ name: 'kubernetes' });
    const cidrs = cidr.spec?.cidrs ?? [];
    const v4 = cidrs.find(c => c.includes('.'));
    if (!v4) return undefined;
    const prefix = Number(v4.split('/')[1]);
    // Network and broadcast addresses are never allocated; the `kubernetes` Service holds one.
    return { cidrs, capacity: 2 ** (32 - prefix) - 3 };
  } catch {
    return undefined;
  }
}

/**
 * Fails fast (instead of after the 300 s ready timeout) when the cluster cannot run pods: every node of the
 * general pool must be Ready and free of NoSchedule/NoExecute taints.
 */
async function checkNodesSchedulable(cluster: LocalCluster): Promise<void> {
  const nodes = (await cluster.kubeConfig.makeApiClient(CoreV1Api).listNode())
    .items;
  const general = nodes.filter(
    n => n.metadata?.labels?.['envmesh.io/node-pool'] !== 'feature',
  );
  const problems = general.flatMap(n => {
    const ready = n.status?.conditions?.find(c => c.type === 'Ready')?.status;
    const taints = (n.spec?.taints ?? []).filter(
      t => t.effect !== 'PreferNoSchedule',
    );
    return ready !== 'True' || taints.length
      ? [
          `${n.metadata?.name}: Ready=${ready}, taints ${JSON.stringify(
            taints.map(t => `${t.key}:${t.effect}`),
          )}`,
        ]
      : [];
  });
  if (!general.length || problems.length) {
    throw new Error(
      `the local cluster's general nodes cannot run pods: ${
        problems.join('; ') || 'none found'
      }`,
    );
  }
}

async function checkDeploymentsReady(
  cluster: LocalCluster,
  namespace: string,
  expected: string[],
): Promise<void> {
  const apps = cluster.kubeConfig.makeApiClient(AppsV1Api);
  const list = await apps.listNamespacedDeployment({ namespace });
  const byName = new Map(list.items.map(d => [d.metadata?.name, d]));
  const problems: string[] = [];
  for (const name of expected) {
    const d = byName.get(name);
    if (!d) {
      problems.push(`${name}: missing`);
      continue;
    }
    const want = d.spec?.replicas ?? 1;
    const ready = d.status?.readyReplicas ?? 0;
    const available = d.status?.availableReplicas ?? 0;
    if (ready < want || available < want) {
      problems.push(`${name}: ${ready}/${want} ready, ${available} available`);
    }
  }
  if (problems.length) {
    throw new Error(
      `${problems.length} of ${
        expected.length
      } Deployments in ${namespace} not ready: ${problems
        .slice(0, 10)
        .join('; ')}`,
    );
  }
}

async function waitNamespacesGone(
  cluster: LocalCluster,
  namespaces: string[],
  timeoutMs: number,
) {
  const core = cluster.kubeConfig.makeApiClient(CoreV1Api);
  const deadline = Date.now() + timeoutMs;
  let left = [...namespaces];
  while (left.length && Date.now() < deadline) {
    const still: string[] = [];
    for (const name of left) {
      try {
        await core.readNamespace({ name });
        still.push(name);
      } catch (error) {
        if ((error as { code?: number }).code !== 404) still.push(name);
      }
    }
    left = still;
    if (left.length) await new Promise(r => setTimeout(r, 1000));
  }
  return left;
}

// ---------------------------------------------------------------- helm loop

async function helmLoop(
  cluster: LocalCluster,
  dir: string,
  names: string[],
  namespace: string,
): Promise<number> {
  const helm = binaryPath('helm');
  const home = path.join(dir, 'helm-home');
  const env = {
    ...process.env,
    HELM_CACHE_HOME: path.join(home, 'cache'),
    HELM_CONFIG_HOME: path.join(home, 'config'),
    HELM_DATA_HOME: path.join(home, 'data'),
  };
  const started = Date.now();
  for (let i = 0; i < names.length; i++) {
    const name = names[i];
    try {
      await execFileAsync(
        helm,
        [
          'upgrade',
          '--install',
          name,
          path.join(dir, 'chart'),
          '-f',
          path.join(dir, 'services', name, 'values.yaml'),
          '-n',
          namespace,
          '--create-namespace',
          '--wait',
          '--timeout',
          '5m',
          '--kubeconfig',
          cluster.kubeconfigPath,
        ],
        { env, maxBuffer: 64 * 1024 * 1024 },
      );
    } catch (error) {
      const e = error as { stderr?: string; message: string };
      throw new Error(
        `helm upgrade --install ${name} failed: ${
          e.stderr?.trim() || e.message
        }`,
      );
    }
    if ((i + 1) % 25 === 0 || i + 1 === names.length) {
      const elapsed = seconds(Date.now() - started);
      say(
        `  helm loop: ${i + 1}/${names.length} installed, ${fmt(
          elapsed,
        )} s (${fmt(elapsed / (i + 1), 2)} s each)`,
      );
    }
  }
  return seconds(Date.now() - started);
}

// ---------------------------------------------------------------- one size

interface SizeResult {
  n: number;
  importS?: number;
  createS?: number;
  helmLoopS?: number;
  copyS?: number;
  peakRssMb?: number;
  helm?: { import: number; create: number; copy: number };
  createPhases?: ReturnType<typeof phaseBreakdown>;
  copyPhases?: ReturnType<typeof phaseBreakdown>;
  probes: { import?: string[]; create?: string[]; copy?: string[] };
  stepStats: { create?: string; copy?: string };
  notes: string[];
  loadBefore?: number[];
  /** Share of the machine's CPU that processes outside the benchmark used, per phase. */
  otherCpu: Partial<Record<'import' | 'create' | 'copy' | 'helm loop', number>>;
  /** CPU seconds of the benchmark's process tree and of the engine's own process, per phase. */
  ownCpu: Partial<
    Record<
      'import' | 'create' | 'copy' | 'helm loop',
      { tree: number; engine: number }
    >
  >;
  error?: string;
}

async function runSize(
  n: number,
  cluster: LocalCluster,
  built: Engine,
  workRoot: string,
  ipCapacity: { cidrs: string[]; capacity: number } | undefined,
  skipHelmLoop: boolean,
): Promise<SizeResult> {
  const { engine, renderer, probe } = built;
  const result: SizeResult = {
    n,
    loadBefore: os.loadavg(),
    probes: {},
    stepStats: {},
    notes: [],
    otherCpu: {},
    ownCpu: {},
  };
  let cpuFrom = cpuSample();
  /** Records the other processes' CPU share since the last call under `phase`. */
  const cpuPhase = (phase: keyof SizeResult['otherCpu']) => {
    const now = cpuSample();
    result.otherCpu[phase] = otherCpuShare(cpuFrom, now);
    if (cpuFrom && now) {
      result.ownCpu[phase] = {
        tree: now.ours - cpuFrom.ours,
        engine: now.engine - cpuFrom.engine,
      };
    }
    cpuFrom = now;
  };
  const dir = path.join(workRoot, `n${n}`);
  fs.mkdirSync(dir, { recursive: true });
  // create, copy and helm loop each hold N Services at the same time.
  const headless = ipCapacity !== undefined && ipCapacity.capacity < 3 * n;
  if (headless) {
    result.notes.push(
      `headless Services (\`clusterIP: None\` patched into the benchmark's copy of the chart, for the engine and the helm loop alike): the cluster's service range ${ipCapacity!.cidrs.join(
        ', ',
      )} holds ${ipCapacity!.capacity} ClusterIPs, fewer than the ${
        3 * n
      } this size needs`,
    );
  }
  const names = generateServices(dir, n, headless);
  const env = `bench-n${n}`;
  const copy = `bench-n${n}-copy`;
  const helmNs = `bench-n${n}-helm`;
  say(
    `N=${n}: generated ${n} services in ${dir} (load ${os
      .loadavg()
      .map(l => l.toFixed(2))
      .join(' ')})`,
  );

  try {
    await checkNodesSchedulable(cluster);
    // import
    let helmBefore = renderer.stats.helmInvocations;
    probe.reset();
    cpuFrom = cpuSample();
    let started = Date.now();
    const imported = await engine.registry.importServices({
      source: { type: 'directory', location: dir },
    });
    result.importS = seconds(Date.now() - started);
    cpuPhase('import');
    const importHelm = renderer.stats.helmInvocations - helmBefore;
    result.probes.import = describeProbe(probe.snapshot());
    if (imported.failed.length) {
      throw new Error(
        `import: ${imported.failed.length} service(s) failed: ${imported.failed
          .slice(0, 5)
          .map(f => `${f.name}: ${f.error}`)
          .join('; ')}`,
      );
    }
    say(
      `N=${n}: import ${fmt(result.importS, 2)} s (${
        imported.created.length
      } created, ${imported.updated.length} updated, ${
        imported.unchanged.length
      } unchanged; ${importHelm} helm runs by the renderer)`,
    );

    // create
    helmBefore = renderer.stats.helmInvocations;
    probe.reset();
    cpuFrom = cpuSample();
    started = Date.now();
    const created = await engine.environments.createEnvironment(
      {
        name: env,
        cluster: CLUSTER,
        namespace: env,
        owner: OWNER,
        description: `benchmark, ${n} services`,
        services: names.map(name => ({ name })),
      },
      ACTOR,
    );
    const createOp = await waitOperation(engine, created.id, `create ${env}`);
    result.createS = seconds(Date.now() - started);
    cpuPhase('create');
    const createHelm = renderer.stats.helmInvocations - helmBefore;
    result.createPhases = phaseBreakdown(createOp);
    result.probes.create = describeProbe(probe.snapshot());
    result.stepStats.create = applyStepStats(createOp);
    await checkDeploymentsReady(cluster, env, names);
    say(
      `N=${n}: create-to-ready ${fmt(
        result.createS,
        2,
      )} s, all ${n} Deployments ready (${createHelm} helm runs). ${
        result.createPhases.text
      }`,
    );

    // copy
    helmBefore = renderer.stats.helmInvocations;
    probe.reset();
    cpuFrom = cpuSample();
    started = Date.now();
    const copied = await engine.environments.copyEnvironment(
      env,
      { name: copy, namespace: copy },
      ACTOR,
    );
    const copyOp = await waitOperation(
      engine,
      copied.id,
      `copy ${env} -> ${copy}`,
    );
    result.copyS = seconds(Date.now() - started);
    cpuPhase('copy');
    const copyHelm = renderer.stats.helmInvocations - helmBefore;
    result.copyPhases = phaseBreakdown(copyOp);
    result.probes.copy = describeProbe(probe.snapshot());
    result.stepStats.copy = applyStepStats(copyOp);
    await checkDeploymentsReady(cluster, copy, names);
    result.peakRssMb = peakRssMb();
    result.helm = { import: importHelm, create: createHelm, copy: copyHelm };
    say(
      `N=${n}: copy ${fmt(
        result.copyS,
        2,
      )} s, all ${n} Deployments ready (${copyHelm} helm runs). ${
        result.copyPhases.text
      }`,
    );
    say(`N=${n}: peak RSS so far ${fmt(result.peakRssMb, 0)} MB`);

    // naive baseline
    if (skipHelmLoop) {
      result.notes.push('helm loop skipped (`--skip-helm-loop`)');
    } else {
      say(`N=${n}: helm loop over ${n} services into ${helmNs} ...`);
      cpuFrom = cpuSample();
      result.helmLoopS = await helmLoop(cluster, dir, names, helmNs);
      cpuPhase('helm loop');
      await checkDeploymentsReady(cluster, helmNs, names);
      say(`N=${n}: helm loop ${fmt(result.helmLoopS)} s`);
    }
  } catch (error) {
    result.error = (error as Error).message;
    result.peakRssMb ??= peakRssMb();
    say(`N=${n}: FAILED: ${result.error}`);
  }
  return result;
}

/** Frees the cluster for the next size: the engine deletes both environments, the helm namespace goes too. */
async function cleanUp(
  cluster: LocalCluster,
  engine: EnvironmentsBackend,
  n: number,
) {
  const env = `bench-n${n}`;
  const namespaces = [env, `${env}-copy`, `${env}-helm`];
  for (const name of [`${env}-copy`, env]) {
    try {
      const op = await engine.environments.deleteEnvironment(name, ACTOR);
      await waitOperation(engine, op.id, `delete ${name}`);
    } catch (error) {
      say(`cleanup: deleting environment ${name}: ${(error as Error).message}`);
    }
  }
  try {
    await cluster.kubeConfig
      .makeApiClient(CoreV1Api)
      .deleteNamespace({ name: `${env}-helm` });
  } catch (error) {
    if ((error as { code?: number }).code !== 404) {
      say(
        `cleanup: deleting namespace ${env}-helm: ${(error as Error).message}`,
      );
    }
  }
  const left = await waitNamespacesGone(cluster, namespaces, 180_000);
  if (left.length)
    say(`cleanup: namespaces still terminating: ${left.join(', ')}`);
}

// ---------------------------------------------------------------- report

function table(results: SizeResult[]): string {
  const rows = [
    '| N | import s | create-to-ready s | helm loop s | ratio (helm loop / create) | copy s | peak RSS MB |',
    '|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const r of results) {
    const ratio =
      r.helmLoopS !== undefined && r.createS
        ? r.helmLoopS / r.createS
        : undefined;
    rows.push(
      `| ${r.n}${r.notes.length ? ' *' : ''} | ${fmt(r.importS)} | ${fmt(
        r.createS,
      )} | ${fmt(r.helmLoopS)} | ${
        ratio === undefined ? '—' : `${ratio.toFixed(1)}×`
      } | ${fmt(r.copyS)} | ${fmt(r.peakRssMb, 0)} |`,
    );
  }
  if (results.some(r => r.notes.length)) {
    rows.push('', '\\* see the notes of this size under Details.');
  }
  return rows.join('\n');
}

function verdicts(results: SizeResult[]): string[] {
  const r = results.find(x => x.n === 300);
  if (!r) {
    return [
      '- Targets are defined for N = 300, which this run did not include: not evaluated.',
    ];
  }
  const ratio =
    r.helmLoopS !== undefined && r.createS
      ? r.helmLoopS / r.createS
      : undefined;
  return [
    `- 300 services ready in ≤ 60 s: ${fmt(r.createS)} s — ${verdict(
      r.createS === undefined ? undefined : r.createS <= 60,
    )}`,
    `- ≥ 10× faster than the sequential helm loop: ${
      ratio === undefined ? '—' : `${ratio.toFixed(1)}×`
    } — ${verdict(ratio === undefined ? undefined : ratio >= 10)}`,
    `- copy ≤ 30 s: ${fmt(r.copyS)} s — ${verdict(
      r.copyS === undefined ? undefined : r.copyS <= 30,
    )}`,
  ];
}

function report(
  machine: ReturnType<typeof machineInfo>,
  results: SizeResult[],
  clusterStartS: number,
  helmTemplateMs: number,
  notes: string[],
): string {
  const lines = [
    '# Benchmark: environment rollout',
    '',
    'Generated by `node --require @backstage/cli/config/nodeTransform.cjs bench/environment-rollout/run.ts` (see `bench/README.md`).',
    '',
    table(results),
    '',
    '## Targets (issue 4, item 13)',
    '',
    ...verdicts(results),
    '',
    '## Machine',
    '',
    ...machineLines(
      machine,
      results.map(
        r => `- load average before N = ${r.n}: ${formatLoad(r.loadBefore)}`,
      ),
    ),
    ...results.map(
      r =>
        `- CPU used by processes outside the benchmark during N = ${
          r.n
        }: ${describeOtherCpu(r.otherCpu)}`,
    ),
    ...notes.map(note => `- note: ${note}`),
    `- local cluster start: ${clusterStartS.toFixed(1)} s (not in the table)`,
    `- one \`helm template\` of the shared chart, run sequentially, before the sizes: ${fmt(
      helmTemplateMs,
      0,
    )} ms`,
    '',
    '## Details',
    '',
  ];
  for (const r of results) {
    lines.push(`### N = ${r.n}`, '');
    if (r.error) lines.push(`- **failed**: ${r.error}`);
    for (const note of r.notes) lines.push(`- note: ${note}`);
    if (r.helm) {
      lines.push(
        `- helm processes run by the engine's renderer: import ${r.helm.import}, create ${r.helm.create}, copy ${r.helm.copy}` +
          ' (the import also runs one `helm package` per distinct chart, not counted by the renderer)',
      );
    }
    const own = Object.entries(r.ownCpu);
    if (own.length) {
      lines.push(
        `- CPU seconds used by the benchmark's processes (all: engine + local cluster + helm; engine: the engine's own process): ${own
          .map(
            ([phase, cpu]) =>
              `${phase} ${fmt(cpu!.tree)} (engine ${fmt(cpu!.engine)})`,
          )
          .join(', ')}`,
      );
    }
    const ops = [
      ['create', r.createPhases, r.stepStats.create],
      ['copy', r.copyPhases, r.stepStats.copy],
    ] as const;
    for (const [phase, phases, steps] of ops) {
      if (!phases) continue;
      lines.push(
        `- ${phase} operation: queued ${fmt(phases.queued, 2)} s, ran ${fmt(
          phases.total,
          2,
        )} s — ${phases.text}`,
      );
      if (steps) lines.push(`  - ${steps}`);
    }
    for (const [phase, probe] of Object.entries(r.probes)) {
      if (!probe?.length) continue;
      lines.push(
        `- ${phase}: time inside the engine's parts (summed over concurrent calls)`,
      );
      for (const l of probe) lines.push(`  - ${l}`);
    }
    lines.push('');
  }
  lines.push(
    '## How it is measured',
    '',
    '- **import**: `importServices` of a directory with the shared chart `chart/` (copy of `examples/charts/service`) and',
    '  `services/svc-NNNN/{values.yaml,service.yaml}`; first 10 % in startup group 0, the rest in group 1; one distinct image tag each.',
    '- **create-to-ready**: from the `createEnvironment` call until `getOperation` (polled every 200 ms) reports `succeeded`;',
    '  afterwards every Deployment is checked ready in the cluster. Engine settings as in `plugin.ts`: parallelism 8,',
    '  ready timeout 300 s, render concurrency 4, SQLite in memory.',
    '- **helm loop**: `helm upgrade --install <svc> chart -f services/<svc>/values.yaml --create-namespace --wait --timeout 5m`',
    '  for each service in turn, into a fresh namespace of the same cluster.',
    '- **copy**: `copyEnvironment` to a new namespace until the operation `succeeded` (Deployments checked ready too).',
    '- **peak RSS**: `process.resourceUsage().maxRSS` of the benchmark process, which hosts the engine (the cluster and helm',
    '  run as child processes and are not counted); taken after the copy, so it is the peak since start (a later row includes',
    '  the earlier sizes).',
    '- Pods run on kwok fake nodes: "ready" means the API objects reached Ready, no containers run.',
    '- Between sizes both environments are deleted through the engine and the helm namespace is deleted.',
    "- **CPU** (Linux `/proc`): per phase, the CPU seconds of the benchmark's process tree (the engine's process, the local",
    "  cluster, helm) and the machine's busy time; what other processes used is the difference, shown as a share of the",
    "  machine's CPU time. A phase where that share is 20 % or more marks the run as made on a loaded machine.",
    '',
  );
  return lines.join('\n');
}

// ---------------------------------------------------------------- main

async function main() {
  const { sizes, out, skipHelmLoop, http2, notes } = parseArgs(
    process.argv.slice(2),
  );
  const machine = machineInfo();
  say(
    `sizes ${sizes.join(', ')}; ${machine.nproc} CPUs (${
      machine.cpuModel
    }), load ${machine.loadStart.map(l => l.toFixed(2)).join(' ')}`,
  );

  const workRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'envmesh-bench-'));
  let cluster: LocalCluster | undefined;
  let built: Engine | undefined;
  let knex: Knex | undefined;
  let stopping = false;
  const shutdown = async () => {
    if (stopping) return;
    stopping = true;
    await built?.close().catch(e => say(`engine close: ${e}`));
    await knex?.destroy().catch(() => {});
    await cluster?.stop().catch(e => say(`cluster stop: ${e}`));
    fs.rmSync(workRoot, { recursive: true, force: true });
  };
  stopOnSignals(shutdown);

  const results: SizeResult[] = [];
  try {
    let started = Date.now();
    say('starting the local cluster');
    cluster = await startLocalCluster({ name: 'bench' });
    const clusterStartS = seconds(Date.now() - started);
    say(`cluster ready at ${cluster.server} in ${fmt(clusterStartS)} s`);
    say(`helm template reference: measuring`);
    const helmTemplateMs = await helmTemplateReference(
      path.resolve('examples/charts/service'),
    );
    say(
      `helm template of the shared chart, sequential: ${fmt(
        helmTemplateMs,
        0,
      )} ms each`,
    );

    knex = knexFactory({
      client: 'better-sqlite3',
      connection: { filename: ':memory:' },
      useNullAsDefault: true,
    });
    built = await buildEngine(cluster, knex, http2);
    const ipCapacity = await serviceIpCapacity(cluster);
    say(
      ipCapacity
        ? `service range ${ipCapacity.cidrs.join(', ')}: ${
            ipCapacity.capacity
          } ClusterIPs`
        : 'service range unknown',
    );

    for (let i = 0; i < sizes.length; i++) {
      started = Date.now();
      results.push(
        await runSize(
          sizes[i],
          cluster,
          built,
          workRoot,
          ipCapacity,
          skipHelmLoop,
        ),
      );
      say(`N=${sizes[i]} done in ${fmt(seconds(Date.now() - started))} s`);
      if (i + 1 < sizes.length) {
        say(`cleaning up N=${sizes[i]}`);
        await cleanUp(cluster, built.engine, sizes[i]);
      }
    }

    const text = report(machine, results, clusterStartS, helmTemplateMs, notes);
    console.log(`\n${table(results)}\n\n${verdicts(results).join('\n')}\n`);
    writeReport(out, text);
  } finally {
    say('stopping engine and cluster');
    await shutdown();
  }
  if (results.some(r => r.error)) process.exitCode = 1;
}

runMain(main);
