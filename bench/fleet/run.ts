/* eslint-disable no-console */
/**
 * Benchmark: a fleet on one backend (issue 18). On the local cluster it creates E environments of S services
 * (the chart-shapes fleet repository: `helm create` charts, a shared chart, fullname-labelled charts with
 * gateway VirtualServices, StatefulSets with CronJobs) C at a time, then F feature branches of 1–3 instances
 * spread over 4 of them, then copies one environment and updates a global value of another. After each step
 * it records the engine's memory, event-loop lag, the API server's open watches, and the list and status
 * latency under the fleet; with the features present it times route removes and adds on the service every
 * feature shares.
 *
 *   node --require @backstage/cli/config/nodeTransform.cjs bench/fleet/run.ts \
 *     [--environments 16] [--services 300] [--concurrency 4] [--features 300] [--out bench/fleet/results.md]
 *
 * The engine runs in this process, wired as plugins/environments-backend/src/plugin.ts wires it, so this
 * process's memory is the backend's; the list and status figures are the engine's queries, without HTTP.
 */
import diagnostics from 'node:diagnostics_channel';
import https from 'node:https';
import fs from 'node:fs';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import v8 from 'node:v8';
import knexFactory, { Knex } from 'knex';
import {
  LocalPostgres,
  startLocalCluster,
  startLocalPostgres,
} from '@envmesh/local-cluster';
import type { LocalCluster } from '@envmesh/local-cluster';
import {
  createDatabaseStores,
  createEnvironmentsBackend,
  hostRef,
  makeChartShapesFleet,
} from '@envmesh/engine-test-utils/engineParts';
import type { EnvironmentsBackend } from '@envmesh/engine-test-utils/engineParts';
import { machineInfo } from '../lib/machine';
import {
  fmt,
  percentile,
  formatLoad,
  machineLines,
  readArgs,
  runMain,
  say,
  stopOnSignals,
  verdict,
  writeReport,
} from '../lib/report';
import {
  ACTOR,
  benchLogger,
  CLUSTER,
  engineConfig,
  OWNER,
  waitOperation,
} from '../lib/engine';

/** The service every feature branch has an instance of, so that one service carries many routes. */
const SHARED_SERVICE = 'a-000';
const FEATURE_ENVIRONMENTS = 4;
const LATENCY_SAMPLES = 20;
const ROUTE_SAMPLES = 20;

function parseArgs(argv: string[]) {
  const options = {
    environments: 16,
    services: 300,
    concurrency: 4,
    features: 300,
    database: 'sqlite' as 'sqlite' | 'postgres',
    heapSnapshot: undefined as string | undefined,
    out: 'bench/fleet/results.md',
    notes: [] as string[],
  };
  readArgs(
    argv,
    'node --require @backstage/cli/config/nodeTransform.cjs bench/fleet/run.ts [--environments 16] [--services 300] [--concurrency 4] [--features 300] [--database sqlite|postgres] [--heap-snapshot FILE] [--out FILE] [--note TEXT]...',
    (arg, value) => {
      const key = arg.replace(/^--/, '');
      if (key === 'out') options.out = value();
      else if (key === 'note') options.notes.push(value());
      else if (key === 'heap-snapshot') options.heapSnapshot = value();
      else if (key === 'database') {
        const database = value();
        if (database !== 'sqlite' && database !== 'postgres') {
          throw new Error('--database takes sqlite or postgres');
        }
        options.database = database;
      } else if (
        ['environments', 'services', 'concurrency', 'features'].includes(key)
      ) {
        const n = Number(value());
        if (!Number.isInteger(n) || n < 1) {
          throw new Error(`${arg} takes a positive integer`);
        }
        (options as any)[key] = n;
      } else return false;
      return true;
    },
  );
  // The fleet repository has four chart shapes.
  options.services = Math.max(4, Math.round(options.services / 4) * 4);
  return { ...options, out: path.resolve(options.out) };
}

// ---------------------------------------------------------------- measures

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await fn();
  return performance.now() - started;
}

/** Runs `work` over `items`, `limit` at a time. */
async function inBatches<T, R>(
  items: T[],
  limit: number,
  work: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results: R[] = [];
  for (let i = 0; i < items.length; i += limit) {
    results.push(
      ...(await Promise.all(
        items.slice(i, i + limit).map((item, j) => work(item, i + j)),
      )),
    );
  }
  return results;
}

/** The API server's Prometheus metrics, summed by metric name (all label sets). */
async function apiServerMetrics(
  cluster: LocalCluster,
): Promise<Map<string, number>> {
  const text = await new Promise<string>((resolve, reject) => {
    https
      .get(
        `${cluster.server}/metrics`,
        {
          headers: { authorization: `Bearer ${cluster.token}` },
          rejectUnauthorized: false,
        },
        res => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', chunk => (body += chunk));
          res.on('end', () => resolve(body));
        },
      )
      .on('error', reject);
  });
  const sums = new Map<string, number>();
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:]+)(\{[^}]*\})? ([0-9.e+-]+)$/.exec(line);
    if (!match) continue;
    const [, name, labels = '', value] = match;
    // Open watches: the long-running requests whose verb is WATCH.
    let key = name;
    if (name === 'apiserver_longrunning_requests') {
      key = labels.includes('verb="WATCH"') ? 'watches' : '';
    }
    if (key) sums.set(key, (sums.get(key) ?? 0) + Number(value));
  }
  return sums;
}

/** Counts the HTTP requests this process (the engine) sends to the cluster's API server until stop(). */
function countEngineRequests(cluster: LocalCluster) {
  // ClientRequest.host is the hostname alone; the API server is the only HTTP server on it the engine calls.
  const { hostname } = new URL(cluster.server);
  let count = 0;
  const onRequest = (message: unknown) => {
    if ((message as { request: { host?: string } }).request.host === hostname)
      count++;
  };
  diagnostics.subscribe('http.client.request.start', onRequest);
  return {
    stop() {
      diagnostics.unsubscribe('http.client.request.start', onRequest);
      return count;
    },
  };
}

interface Sample {
  step: string;
  environments: number;
  features: number;
  rssMb: number;
  heapMb: number;
  lagP99Ms: number;
  watches?: number;
  list: number[];
  status: number[];
}

// ---------------------------------------------------------------- the run

async function run(
  options: ReturnType<typeof parseArgs>,
  cluster: LocalCluster,
  engine: EnvironmentsBackend,
) {
  const { environments: E, services: S, concurrency } = options;
  say(`generating a services repository of ${S} charts in four shapes`);
  const fleet = await makeChartShapesFleet(S / 4);
  const imported = await engine.registry.importServices({
    source: { type: 'directory', location: fleet.root },
  });
  if (imported.failed.length) {
    throw new Error(`import failed: ${JSON.stringify(imported.failed[0])}`);
  }
  const names = Array.from(
    { length: E },
    (_, i) => `fleet-${String(i + 1).padStart(2, '0')}`,
  );
  const lag = monitorEventLoopDelay({ resolution: 10 });
  lag.enable();
  const samples: Sample[] = [];
  let created = 0;
  let featureCount = 0;
  const sample = async (step: string) => {
    const list: number[] = [];
    const status: number[] = [];
    for (const name of Array.from(
      { length: LATENCY_SAMPLES },
      (_, i) => names[i % Math.min(created, E)],
    )) {
      list.push(await timed(() => engine.status.listEnvironments()));
      status.push(await timed(() => engine.status.getStatus(name)));
    }
    const memory = process.memoryUsage();
    const metrics = await apiServerMetrics(cluster).catch(() => undefined);
    const taken: Sample = {
      step,
      environments: created,
      features: featureCount,
      rssMb: memory.rss / 2 ** 20,
      heapMb: memory.heapUsed / 2 ** 20,
      lagP99Ms: lag.percentile(99) / 1e6,
      watches: metrics?.get('watches'),
      list,
      status,
    };
    samples.push(taken);
    lag.reset();
    say(
      `${step}: RSS ${fmt(taken.rssMb, 0)} MB, lag p99 ${fmt(
        taken.lagP99Ms,
      )} ms, list p95 ${fmt(percentile(list, 0.95), 0)} ms, status p95 ${fmt(
        percentile(status, 0.95),
        0,
      )} ms`,
    );
  };

  const engineRequests = countEngineRequests(cluster);
  const requestsBefore = (await apiServerMetrics(cluster)).get(
    'apiserver_request_total',
  );
  const createMs = await inBatches(names, concurrency, async name => {
    const ms = await timed(async () => {
      const op = await engine.environments.createEnvironment(
        {
          name,
          cluster: CLUSTER,
          namespace: name,
          owner: OWNER,
          services: fleet.services.map(service => ({ name: service })),
        },
        ACTOR,
      );
      await waitOperation(engine, op.id, `create ${name}`);
    });
    created++;
    say(`created ${name} in ${fmt(ms / 1000)} s (${created}/${E})`);
    if (created % concurrency === 0 || created === E) {
      await sample(`${created} environments`);
    }
    return ms;
  });
  const requestsAfter = (await apiServerMetrics(cluster)).get(
    'apiserver_request_total',
  );
  const engineRequestsPerService = engineRequests.stop() / (E * S);

  // Every feature has an instance of SHARED_SERVICE, and up to two more of other shapes.
  const featureNames = Array.from(
    { length: options.features },
    (_, i) => `feat-${String(i + 1).padStart(3, '0')}`,
  );
  const deployMs = await inBatches(featureNames, concurrency, (name, i) =>
    timed(async () => {
      const others = [
        fleet.services[(i * 7 + 1) % S],
        fleet.services[(i * 13 + 2) % S],
      ]
        .slice(0, i % 3)
        .filter(s => s !== SHARED_SERVICE);
      const { operation } = await engine.features.deployFeature(
        {
          name,
          environment: names[i % Math.min(FEATURE_ENVIRONMENTS, E)],
          owner: OWNER,
          instances: [SHARED_SERVICE, ...new Set(others)].map(service => ({
            service,
            imageTag: name,
          })),
        },
        ACTOR,
      );
      await waitOperation(engine, operation.id, `deploy ${name}`);
      featureCount++;
      if (featureCount % 50 === 0) say(`${featureCount} feature branches`);
    }),
  );
  await sample(`${featureCount} feature branches`);

  // Route remove and add on the shared service of the first environment, with every feature present.
  const env = (await engine.stores.environments.getEnvironment(names[0]))!;
  const ref = hostRef(
    engine.routing,
    env,
    SHARED_SERVICE,
    engine.clusters.kubeConfig(env.cluster),
    { host: SHARED_SERVICE },
  );
  const routed = (await engine.routing.read(ref)).routes;
  const removeMs: number[] = [];
  const addMs: number[] = [];
  const statsBefore = { ...(engine.routing as any).stats };
  for (const feature of routed.slice(0, ROUTE_SAMPLES)) {
    removeMs.push(
      await timed(() => engine.routing.removeFeature({ ...ref, feature })),
    );
    addMs.push(
      await timed(() => engine.routing.addFeature({ ...ref, feature })),
    );
  }
  say(
    `routing during the route samples: ${JSON.stringify(
      statsBefore,
    )} → ${JSON.stringify((engine.routing as any).stats)}`,
  );

  const copyMs = await timed(async () => {
    const op = await engine.environments.copyEnvironment(
      names[E - 1],
      { name: 'fleet-copy', namespace: 'fleet-copy' },
      ACTOR,
    );
    await waitOperation(engine, op.id, 'copy');
  });
  created++;
  const updateMs = await timed(async () => {
    const op = await engine.environments.updateEnvironment(
      names[Math.min(1, E - 1)],
      { globalValues: { podAnnotations: { 'bench/revision': '2' } } },
      ACTOR,
    );
    await waitOperation(engine, op.id, 'update a global value');
  });
  await sample('after copy and update');
  if (options.heapSnapshot) {
    say(`heap snapshot: ${v8.writeHeapSnapshot(options.heapSnapshot)}`);
  }
  await fs.promises.rm(fleet.root, { recursive: true, force: true });
  return {
    createMs,
    deployMs,
    removeMs,
    addMs,
    routedOnShared: routed.length,
    copyMs,
    updateMs,
    samples,
    engineRequestsPerService,
    requestsPerService:
      requestsBefore !== undefined && requestsAfter !== undefined
        ? (requestsAfter - requestsBefore) / (E * S)
        : undefined,
  };
}

// ---------------------------------------------------------------- report

function report(
  options: ReturnType<typeof parseArgs>,
  machine: ReturnType<typeof machineInfo>,
  r: Awaited<ReturnType<typeof run>>,
) {
  const s = (ms: number | undefined) =>
    fmt(ms === undefined ? undefined : ms / 1000);
  const p = (sample: number[], q: number) => fmt(percentile(sample, q), 0);
  const first = r.createMs[0];
  const last = r.createMs[r.createMs.length - 1];
  const worst = (pick: (x: Sample) => number) =>
    Math.max(...r.samples.map(pick));
  const listP95 = worst(x => percentile(x.list, 0.95) ?? NaN);
  const statusP95 = worst(x => percentile(x.status, 0.95) ?? NaN);
  const lagP99 = worst(x => x.lagP99Ms);
  const rss = worst(x => x.rssMb);
  const addP95 = percentile(r.addMs, 0.95) ?? NaN;
  const rows = r.samples.map(
    x =>
      `| ${x.step} | ${x.environments} | ${x.features} | ${fmt(
        x.rssMb,
        0,
      )} | ${fmt(x.heapMb, 0)} | ${fmt(x.lagP99Ms)} | ${x.watches ?? '—'} | ${p(
        x.list,
        0.5,
      )} / ${p(x.list, 0.95)} | ${p(x.status, 0.5)} / ${p(x.status, 0.95)} |`,
  );
  return [
    '# Fleet benchmark',
    '',
    `${options.environments} environments × ${options.services} services (${options.concurrency} creates at a time), then ${options.features} feature branches of 1–3 instances over ${FEATURE_ENVIRONMENTS} of them, a copy and a global-value update, on one in-process engine and the local cluster. Run with \`node --require @backstage/cli/config/nodeTransform.cjs bench/fleet/run.ts\` (see bench/README.md).`,
    '',
    '## Machine',
    '',
    ...machineLines(machine, []),
    `- database: ${
      options.database === 'postgres'
        ? 'PostgreSQL (a local server, outside the backend process)'
        : 'SQLite in memory (inside the backend process, so in its RSS)'
    }`,
    ...options.notes.map(n => `- note: ${n}`),
    '',
    '## As the fleet grows',
    '',
    '| step | environments | features | RSS MB | heap MB | event-loop lag p99 ms | open watches (API server) | list p50 / p95 ms | status p50 / p95 ms |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...rows,
    '',
    '## Operations',
    '',
    '| what | figure |',
    '| --- | --- |',
    `| create, 1st environment | ${s(first)} s |`,
    `| create, last (${options.environments}th) environment | ${s(
      last,
    )} s (${fmt(last / first, 2)}× the 1st) |`,
    `| create, each (min / median / max) | ${s(Math.min(...r.createMs))} / ${s(
      percentile(r.createMs, 0.5),
    )} / ${s(Math.max(...r.createMs))} s |`,
    `| API server requests per created service: all clients (controllers, scheduler, kwok too) / the engine's own | ${fmt(
      r.requestsPerService,
    )} / ${fmt(r.engineRequestsPerService)} |`,
    `| feature deploy to ready, p50 / p95 | ${s(
      percentile(r.deployMs, 0.5),
    )} / ${s(percentile(r.deployMs, 0.95))} s |`,
    `| route remove, p50 / p95 (${
      r.routedOnShared
    } features routed on the service, ${options.features} in all) | ${p(
      r.removeMs,
      0.5,
    )} / ${p(r.removeMs, 0.95)} ms |`,
    `| route add, p50 / p95 | ${p(r.addMs, 0.5)} / ${p(r.addMs, 0.95)} ms |`,
    `| copy of a ${options.services}-service environment | ${s(r.copyMs)} s |`,
    `| global value update of a ${options.services}-service environment | ${s(
      r.updateMs,
    )} s |`,
    '',
    '## Targets (issue 18)',
    '',
    `- 16th create within 1.2× the 1st: ${fmt(last / first, 2)}× — ${verdict(
      last <= 1.2 * first,
    )}`,
    `- backend RSS ≤ 400 MB with the whole fleet: ${fmt(rss, 0)} MB — ${verdict(
      rss <= 400,
    )}`,
    `- event-loop lag p99 ≤ 50 ms: worst step ${fmt(lagP99)} ms — ${verdict(
      lagP99 <= 50,
    )}`,
    `- status p95 ≤ 100 ms: worst step ${fmt(statusP95, 0)} ms — ${verdict(
      statusP95 <= 100,
    )}`,
    `- list p95 ≤ 300 ms: worst step ${fmt(listP95, 0)} ms — ${verdict(
      listP95 <= 300,
    )}`,
    `- route add p95 ≤ 100 ms with the features present: ${fmt(
      addP95,
      0,
    )} ms — ${verdict(addP95 <= 100)}`,
    `- copy ≤ 8 s: ${s(r.copyMs)} s — ${verdict(r.copyMs <= 8000)}`,
    '',
  ].join('\n');
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  const machine = machineInfo();
  say(
    `${JSON.stringify({ ...options, notes: undefined })}; load ${formatLoad(
      machine.loadStart,
    )}`,
  );
  let cluster: LocalCluster | undefined;
  let engine: EnvironmentsBackend | undefined;
  let knex: Knex | undefined;
  let postgres: LocalPostgres | undefined;
  const shutdown = async () => {
    await engine?.close().catch(e => say(`engine close: ${e}`));
    await knex?.destroy().catch(() => {});
    await postgres?.stop().catch(e => say(`postgres stop: ${e}`));
    await cluster?.stop().catch(e => say(`cluster stop: ${e}`));
  };
  stopOnSignals(shutdown);
  try {
    cluster = await startLocalCluster({ name: 'fleet' });
    if (options.database === 'postgres') {
      postgres = await startLocalPostgres();
      knex = knexFactory({
        client: 'pg',
        connection: postgres.connectionString,
      });
    } else {
      knex = knexFactory({
        client: 'better-sqlite3',
        connection: { filename: ':memory:' },
        useNullAsDefault: true,
      });
    }
    const stores = await createDatabaseStores({
      database: { getClient: async () => knex! },
    });
    engine = await createEnvironmentsBackend({
      logger: benchLogger(),
      stores,
      config: engineConfig(cluster, {
        rollout: { readyTimeoutSeconds: 900 },
      }),
    });
    engine.runner.start();
    const result = await run(options, cluster, engine);
    const text = report(options, machine, result);
    console.log(`\n${text}`);
    writeReport(options.out, text);
  } finally {
    say('stopping engine and cluster');
    await shutdown();
  }
}

runMain(main);
