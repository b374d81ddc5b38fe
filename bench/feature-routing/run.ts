/* eslint-disable no-console */
/**
 * Benchmark: feature-branch routing with envmesh's RoutingWriter vs. a naive read-modify-write client.
 *
 * Run from the repository root:
 *
 *   node --require @backstage/cli/config/nodeTransform.cjs bench/feature-routing/run.ts \
 *     [--mode subset|service] [--preload 300] [--reps 30] [--concurrent 50] \
 *     [--out bench/feature-routing/results-<mode>.md] [--note TEXT]...
 *
 * One local control plane (etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kwok; the Istio CRDs
 * installed by packages/local-cluster) is started in this process. In one fresh namespace it creates two base
 * services, `demo-api` (routed by envmesh's RoutingWriter, the way plugins/environments-backend uses it) and
 * `demo-orders` (routed by a naive client: GET the object, append, server-side apply with force and no
 * resourceVersion, no batching, as a home-grown script would). For both, in the same run:
 *
 * 1. preload N features (RoutingWriter.setFeatures; the naive client adds them one after the other);
 * 2. add the (N+1)-th route and remove it again: p50/p95 over the repetitions (alternating envmesh / naive);
 * 3. remove one of the N routes (a different one each repetition) and re-add it untimed: p50/p95;
 * 4. M concurrent creations (Promise.all of M addFeature calls): time until all are routed (the VS read back
 *    holds every route) and the routes lost (expected M, missing in the VS read back afterwards).
 *
 * `--mode` is the environment's routing mode (docs/feature-branches.md). Each feature has a ready pod (the writer
 * routes only to an instance with a ready pod, and checks that plain requests reach base pods only): `subset`,
 * the base Service selects every pod of the service by `envmesh.io/service`; `service`, the base Service selects
 * the base pods only and each feature also has its instance Service `demo-api-<feature>` (the writer routes
 * only to an existing one). Those objects are created untimed before the preload; addFeature is called without
 * `waitReady`, as they are ready already. The naive client writes subsets in both modes.
 */
import os from 'node:os';
import path from 'node:path';
import {
  AppsV1Api,
  CoreV1Api,
  KubeConfig,
  KubernetesObject,
  PatchStrategy,
} from '@kubernetes/client-node';
import { startLocalCluster } from '@envmesh/local-cluster';
import type { LocalCluster } from '@envmesh/local-cluster';
import { cpuSample, machineInfo, otherCpuShare } from '../lib/machine';
import {
  describeOtherCpu,
  verdict,
  fmt,
  percentile,
  formatLoad,
  machineLines,
  readArgs,
  runMain,
  say,
  stopOnSignals,
  writeReport,
} from '../lib/report';
import {
  DEFAULT_FEATURE_HEADER,
  DEFAULT_SUBSET,
  DynamicClient,
  INSTANCE_LABEL,
  ISTIO_API_VERSION,
  RoutingWriter,
  apiErrorMessage,
  instanceServiceName,
  isApiStatus,
  routedFeatures,
  validateRouting,
} from '@envmesh/engine-test-utils/engineParts';
import type {
  DestinationRule,
  HTTPRoute,
  ServiceRoutingRef,
  VirtualService,
} from '@envmesh/engine-test-utils/engineParts';

const ENVIRONMENT = 'bench';
/** The envmesh-routed service and the naively routed one. */
const ENVMESH_SERVICE = 'demo-api';
const NAIVE_SERVICE = 'demo-orders';
/** The naive client's server-side apply field manager. */
const NAIVE_MANAGER = 'naive-routing-script';
/** Untimed repetitions before each timed series (discovery cache, JIT, connection pool). */
const WARMUP = 2;
const READY_TIMEOUT_MS = 120_000;

// ---------------------------------------------------------------- arguments

function parseArgs(argv: string[]) {
  let preload = 300;
  let reps = 30;
  let concurrent = 50;
  let out: string | undefined;
  let mode: 'subset' | 'service' = 'subset';
  const notes: string[] = [];
  const int = (arg: string, v: string, max: number) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1 || n > max) {
      throw new Error(`${arg} takes an integer 1..${max}`);
    }
    return n;
  };
  readArgs(
    argv,
    'node --require @backstage/cli/config/nodeTransform.cjs bench/feature-routing/run.ts [--mode subset|service] [--preload 300] [--reps 30] [--concurrent 50] [--out FILE] [--note TEXT]...',
    (arg, value) => {
      if (arg === '--preload') {
        preload = int(arg, value(), 999);
      } else if (arg === '--reps') {
        reps = int(arg, value(), 1000);
      } else if (arg === '--concurrent') {
        concurrent = int(arg, value(), 500);
      } else if (arg === '--mode') {
        const v = value();
        if (v !== 'subset' && v !== 'service') {
          throw new Error('--mode takes subset or service');
        }
        mode = v;
      } else if (arg === '--out') {
        out = value();
      } else if (arg === '--note') {
        notes.push(value());
      } else {
        return false;
      }
      return true;
    },
  );
  out ??= `bench/feature-routing/results-${mode}.md`;
  return { mode, preload, reps, concurrent, out: path.resolve(out), notes };
}

// ---------------------------------------------------------------- helpers

function summary(sample: number[]) {
  return {
    n: sample.length,
    p50: percentile(sample, 0.5),
    p95: percentile(sample, 0.95),
    min: sample.length ? Math.min(...sample) : undefined,
    max: sample.length ? Math.max(...sample) : undefined,
  };
}
type Summary = ReturnType<typeof summary>;

function describeSummary(s: Summary) {
  return `p50 ${fmt(s.p50, 0)} ms, p95 ${fmt(s.p95, 0)} ms, min ${fmt(
    s.min,
    0,
  )} ms, max ${fmt(s.max, 0)} ms (${s.n} runs)`;
}

async function timed<T>(fn: () => Promise<T>): Promise<[number, T]> {
  const started = performance.now();
  const value = await fn();
  return [performance.now() - started, value];
}

/** 301 → 301st, 312 → 312th. */
function ordinal(n: number) {
  const teen = Math.floor(n / 10) % 10 === 1;
  const suffix = teen ? 'th' : ['th', 'st', 'nd', 'rd'][n % 10] ?? 'th';
  return `${n}${suffix}`;
}

function featureName(prefix: string, i: number, width = 3) {
  return `${prefix}-${String(i).padStart(width, '0')}`;
}

// ---------------------------------------------------------------- cluster objects

const SERVICE_LABEL = 'envmesh.io/service';
const FEATURE_LABEL = 'envmesh.io/feature';
type Mode = 'subset' | 'service';

/**
 * A base Deployment + Service. The pods carry `app.kubernetes.io/instance: <name>` (subset `default`) and
 * `envmesh.io/service: <name>`; the Service selects them as envmesh renders it in `mode` (see
 * isolateBaseRelease): `subset`, by the service label, so feature pods are its endpoints too; `service`, with
 * the instance label, base pods only.
 */
async function createBaseService(
  kubeConfig: KubeConfig,
  namespace: string,
  name: string,
  mode: Mode,
) {
  const labels = {
    'app.kubernetes.io/name': name,
    [INSTANCE_LABEL]: name,
    [SERVICE_LABEL]: name,
  };
  await kubeConfig.makeApiClient(AppsV1Api).createNamespacedDeployment({
    namespace,
    body: {
      metadata: { name, labels },
      spec: {
        replicas: 1,
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: {
            containers: [
              {
                name: 'app',
                image: `example.com/${name}:1.0.0`,
                ports: [{ containerPort: 8080 }],
              },
            ],
          },
        },
      },
    },
  });
  await kubeConfig.makeApiClient(CoreV1Api).createNamespacedService({
    namespace,
    body: {
      metadata: { name, labels },
      spec: {
        selector:
          mode === 'subset'
            ? { 'app.kubernetes.io/name': name, [SERVICE_LABEL]: name }
            : { 'app.kubernetes.io/name': name, [INSTANCE_LABEL]: name },
        ports: [{ name: 'http', port: 80, targetPort: 8080 }],
      },
    },
  });
}

/**
 * What each feature's route needs before the writer writes it, as a feature deploy leaves it: a ready pod of
 * the instance, and in `service` mode the instance's own Service.
 */
async function createFeatureBackends(
  kubeConfig: KubeConfig,
  namespace: string,
  mode: Mode,
  features: string[],
) {
  const core = kubeConfig.makeApiClient(CoreV1Api);
  const name = ENVMESH_SERVICE;
  const instance = (f: string) => `${name}.${f}`;
  const pod = (f: string) =>
    core.createNamespacedPod({
      namespace,
      body: {
        metadata: {
          name: `${name}-${f}`,
          labels: {
            'app.kubernetes.io/name': name,
            [INSTANCE_LABEL]: instance(f),
            [SERVICE_LABEL]: name,
            [FEATURE_LABEL]: f,
          },
        },
        spec: {
          containers: [{ name: 'app', image: `example.com/${name}:${f}` }],
        },
      },
    });
  const service = (f: string) =>
    core.createNamespacedService({
      namespace,
      body: {
        metadata: {
          name: instanceServiceName(name, f),
          labels: { [SERVICE_LABEL]: name, [FEATURE_LABEL]: f },
        },
        spec: {
          selector: {
            'app.kubernetes.io/name': name,
            [INSTANCE_LABEL]: instance(f),
          },
          ports: [{ name: 'http', port: 80, targetPort: 8080 }],
        },
      },
    });
  for (let i = 0; i < features.length; i += 20) {
    await Promise.all(
      features
        .slice(i, i + 20)
        .flatMap(f => (mode === 'subset' ? [pod(f)] : [pod(f), service(f)])),
    );
  }
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    const pods = await core.listNamespacedPod({
      namespace,
      labelSelector: FEATURE_LABEL,
    });
    const ready = pods.items.filter(p =>
      p.status?.conditions?.some(
        c => c.type === 'Ready' && c.status === 'True',
      ),
    ).length;
    if (ready >= features.length) return;
    if (Date.now() > deadline) {
      throw new Error(`${ready} of ${features.length} feature pods ready`);
    }
    await new Promise(r => setTimeout(r, 250));
  }
}

async function waitDeploymentsReady(
  kubeConfig: KubeConfig,
  namespace: string,
  names: string[],
) {
  const apps = kubeConfig.makeApiClient(AppsV1Api);
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    const list = await apps.listNamespacedDeployment({ namespace });
    const notReady = names.filter(name => {
      const d = list.items.find(x => x.metadata?.name === name);
      return !d || (d.status?.readyReplicas ?? 0) < (d.spec?.replicas ?? 1);
    });
    if (!notReady.length) return;
    if (Date.now() > deadline) {
      throw new Error(
        `Deployments not ready after ${READY_TIMEOUT_MS / 1000} s: ${notReady}`,
      );
    }
    await new Promise(r => setTimeout(r, 250));
  }
}

/**
 * What the cluster holds for a host: features with a backend (a DR subset; `service` mode: an instance
 * Service), features with a VS route, and violations.
 */
async function observe(client: DynamicClient, ref: ServiceRoutingRef) {
  const read = async <T>(kind: string): Promise<T | undefined> => {
    try {
      return (await client.read({
        apiVersion: ISTIO_API_VERSION,
        kind,
        metadata: { name: ref.host, namespace: ref.namespace },
      })) as T;
    } catch (error) {
      if (isApiStatus(error, 404)) return undefined;
      throw error;
    }
  };
  const [dr, vs] = await Promise.all([
    read<DestinationRule>('DestinationRule'),
    read<VirtualService>('VirtualService'),
  ]);
  // `service` mode: a feature's backend is its instance Service, its route names the feature.
  const byService = ref.mode === 'service';
  const prefix = `${ref.host}-`;
  const subsets = new Set(
    byService
      ? (await client.list('v1', 'Service', ref.namespace)).items
          .map(s => s.metadata?.name ?? '')
          .filter(n => n.startsWith(prefix))
          .map(n => n.slice(prefix.length))
      : (dr?.spec.subsets ?? [])
          .map(s => s.name)
          .filter(name => name !== DEFAULT_SUBSET),
  );
  const routes = byService ? routedFeatures(vs) : new Set<string>();
  for (const route of byService ? [] : vs?.spec.http ?? []) {
    for (const d of route.route ?? []) {
      const subset = d.destination?.subset;
      if (subset && subset !== DEFAULT_SUBSET) routes.add(subset);
    }
  }
  const http = vs?.spec.http ?? [];
  return {
    subsets,
    routes,
    /** Whether the catch-all route is last (a feature route after it would never match). */
    defaultLast: http[http.length - 1]?.name === DEFAULT_SUBSET,
    /** Routes to a subset the DR lacks (IST0101: 503 for those requests). */
    violations: vs ? validateRouting({ target: ref, vs, dr }).length : 0,
    vsBytes: vs ? JSON.stringify(vs).length : 0,
  };
}

/**
 * Counts the API requests made through a DynamicClient instance (wrapped on the instance, the sources are
 * untouched): GET = read, LIST = list, APPLY = server-side apply patch, CREATE = create.
 */
function countRequests(client: DynamicClient) {
  const counts = { GET: 0, LIST: 0, APPLY: 0, CREATE: 0 };
  const target = client as unknown as Record<string, Function>;
  const verbs = { read: 'GET', list: 'LIST', patch: 'APPLY', create: 'CREATE' };
  for (const [method, verb] of Object.entries(verbs)) {
    const original = target[method];
    target[method] = (...args: unknown[]) => {
      counts[verb as keyof typeof counts]++;
      return original.apply(client, args);
    };
  }
  return counts;
}
type RequestCounts = ReturnType<typeof countRequests>;

function missing(expected: string[], present: Set<string>) {
  return expected.filter(f => !present.has(f));
}

// ---------------------------------------------------------------- naive client

/**
 * What a home-grown routing script does: for every feature on its own (no batching, no serialization), GET the
 * DestinationRule and add a subset, then GET the VirtualService and insert a header route before the default
 * route, each written back with server-side apply, `force: true` and no resourceVersion (the equivalent of
 * `kubectl get` + edit + `kubectl apply --server-side --force-conflicts`). Concurrent writers silently
 * overwrite each other's list (a VS's `http` and a DR's `subsets` are atomic lists).
 */
class NaiveRoutingClient {
  readonly #client: DynamicClient;
  readonly #ref: ServiceRoutingRef;
  readonly #header = DEFAULT_FEATURE_HEADER.toLowerCase();

  constructor(ref: ServiceRoutingRef) {
    this.#ref = ref;
    this.#client = DynamicClient.for(ref.kubeConfig);
  }

  async addFeature(feature: string) {
    await this.#edit<DestinationRule>(
      'DestinationRule',
      { host: this.#ref.host, subsets: [this.#subset(DEFAULT_SUBSET)] },
      spec => {
        const subsets = (spec.subsets ?? []).filter(s => s.name !== feature);
        return { ...spec, subsets: [...subsets, this.#subset(feature)] };
      },
    );
    await this.#edit<VirtualService>(
      'VirtualService',
      { hosts: [this.#ref.host], http: [this.#route(DEFAULT_SUBSET)] },
      spec => {
        const http = (spec.http ?? []).filter(r => r.name !== feature);
        const at = http.findIndex(r => r.name === DEFAULT_SUBSET);
        http.splice(at < 0 ? http.length : at, 0, this.#route(feature));
        return { ...spec, http };
      },
    );
  }

  /** Route first, then subset (the script gets the order right; it is the concurrency it lacks). */
  async removeFeature(feature: string) {
    await this.#edit<VirtualService>('VirtualService', undefined, spec => ({
      ...spec,
      http: (spec.http ?? []).filter(r => r.name !== feature),
    }));
    await this.#edit<DestinationRule>('DestinationRule', undefined, spec => ({
      ...spec,
      subsets: (spec.subsets ?? []).filter(s => s.name !== feature),
    }));
  }

  #subset(name: string) {
    const label =
      name === DEFAULT_SUBSET ? this.#ref.host : `${this.#ref.host}.${name}`;
    return { name, labels: { [INSTANCE_LABEL]: label } };
  }

  #route(subset: string): HTTPRoute {
    const destination = { host: this.#ref.host, subset };
    return subset === DEFAULT_SUBSET
      ? { name: DEFAULT_SUBSET, route: [{ destination }] }
      : {
          name: subset,
          match: [{ headers: { [this.#header]: { exact: subset } } }],
          route: [{ destination }],
        };
  }

  async #edit<T extends DestinationRule | VirtualService>(
    kind: T['kind'] & string,
    initial: T['spec'] | undefined,
    edit: (spec: T['spec']) => T['spec'],
  ) {
    const metadata = { name: this.#ref.host, namespace: this.#ref.namespace };
    let spec: T['spec'] | undefined;
    try {
      spec = (
        (await this.#client.read({
          apiVersion: ISTIO_API_VERSION,
          kind,
          metadata,
        })) as T
      ).spec;
    } catch (error) {
      if (!isApiStatus(error, 404)) throw error;
      spec = initial;
    }
    if (!spec) return;
    await this.#client.patch(
      {
        apiVersion: ISTIO_API_VERSION,
        kind,
        metadata,
        spec: edit(spec),
      } as KubernetesObject,
      undefined,
      undefined,
      NAIVE_MANAGER,
      true,
      PatchStrategy.ServerSideApply,
    );
  }
}

// ---------------------------------------------------------------- the run

type Side = 'envmesh' | 'naive';

interface Counters {
  /** envmesh only: batches run, objects written, 409s retried (RoutingWriter.stats). */
  batches?: number;
  writes?: number;
  conflicts?: number;
  /** API requests by verb. */
  requests: RequestCounts;
}

interface SideResult {
  preloadMs?: number;
  preloadCounters?: Counters;
  preloadCheck?: string;
  add?: Summary;
  /** Removal of the added (N+1)-th feature, timed separately. */
  removeAdded?: Summary;
  remove?: Summary;
  singleCheck?: string;
  singleCounters?: Counters;
  burst?: {
    callsReturnedMs: number;
    /** Until a read-back showed every route; undefined when some never appeared. */
    allRoutedMs?: number;
    failedCalls: number;
    firstError?: string;
    routesLost: number;
    /** Routes missing although their call reported success. */
    silentlyLost: number;
    subsetsLost: number;
    violations: number;
    defaultLast: boolean;
    counters: Counters;
  };
  final?: { routes: number; subsets: number; vsKiB: number };
}

interface RunResult {
  mode: Mode;
  preload: number;
  reps: number;
  concurrent: number;
  clusterStartS: number;
  namespace: string;
  envmesh: SideResult;
  naive: SideResult;
  loadBefore: Partial<Record<string, number[]>>;
  otherCpu: Partial<Record<string, number>>;
  error?: string;
}

async function run(
  cluster: LocalCluster,
  args: ReturnType<typeof parseArgs>,
  result: RunResult,
) {
  const { preload, reps, concurrent } = args;
  const kc = cluster.kubeConfig;
  /** One KubeConfig (so one DynamicClient) each for envmesh, the naive client and the benchmark's read-backs. */
  const loadKubeConfig = () => {
    const k = new KubeConfig();
    k.loadFromFile(cluster.kubeconfigPath);
    return k;
  };
  const envKc = loadKubeConfig();
  const naiveKc = loadKubeConfig();
  const client = DynamicClient.for(kc);
  const envRequests = countRequests(DynamicClient.for(envKc));
  const naiveRequests = countRequests(DynamicClient.for(naiveKc));
  const namespace = result.namespace;
  await kc
    .makeApiClient(CoreV1Api)
    .createNamespace({ body: { metadata: { name: namespace } } });
  await createBaseService(kc, namespace, ENVMESH_SERVICE, args.mode);
  // The naive client's subsets select by instance label, whatever its Service selects.
  await createBaseService(kc, namespace, NAIVE_SERVICE, 'service');
  await waitDeploymentsReady(kc, namespace, [ENVMESH_SERVICE, NAIVE_SERVICE]);
  say(
    `namespace ${namespace}: ${ENVMESH_SERVICE} and ${NAIVE_SERVICE} (Deployment + Service each) ready`,
  );
  const features = Array.from({ length: preload }, (_, i) =>
    featureName('feature', i + 1),
  );
  const added = featureName('feature', preload + 1);
  const burst = Array.from({ length: concurrent }, (_, i) =>
    featureName('burst', i + 1, 2),
  );
  await createFeatureBackends(kc, namespace, args.mode, [
    ...features,
    added,
    ...burst,
  ]);
  say(
    `${ENVMESH_SERVICE}: ${features.length + 1 + burst.length} feature ${
      args.mode === 'subset'
        ? 'pods ready'
        : 'pods ready with instance Services'
    } (${args.mode} mode)`,
  );

  const refFor = (host: string, kubeConfig: KubeConfig): ServiceRoutingRef => ({
    kubeConfig,
    namespace,
    environment: ENVIRONMENT,
    host,
    baseInstance: host,
  });
  const envRef: ServiceRoutingRef = {
    ...refFor(ENVMESH_SERVICE, envKc),
    service: ENVMESH_SERVICE,
    mode: args.mode,
  };
  const naiveRef = refFor(NAIVE_SERVICE, naiveKc);
  // Warm the clients' discovery caches (API group/resource lookup of the kinds they read), untimed and uncounted.
  for (const k of [kc, envKc, naiveKc]) {
    for (const kind of ['DestinationRule', 'VirtualService']) {
      await DynamicClient.for(k).resourceFor(ISTIO_API_VERSION, kind);
    }
    for (const kind of ['Service', 'Pod']) {
      await DynamicClient.for(k).resourceFor('v1', kind);
    }
  }
  const writer = new RoutingWriter();
  const naive = new NaiveRoutingClient(naiveRef);
  const snap = <T extends object>(o: T): T => ({ ...o });
  const diff = (now: RequestCounts, before: RequestCounts): RequestCounts => ({
    GET: now.GET - before.GET,
    LIST: now.LIST - before.LIST,
    APPLY: now.APPLY - before.APPLY,
    CREATE: now.CREATE - before.CREATE,
  });
  const envMark = () => ({
    stats: snap(writer.stats),
    requests: snap(envRequests),
  });
  const naiveMark = () => ({ requests: snap(naiveRequests) });
  const writerCounters = (before: ReturnType<typeof envMark>): Counters => ({
    batches: writer.stats.batches - before.stats.batches,
    writes: writer.stats.writes - before.stats.writes,
    conflicts: writer.stats.conflicts - before.stats.conflicts,
    requests: diff(envRequests, before.requests),
  });
  const naiveCounters = (before: ReturnType<typeof naiveMark>): Counters => ({
    requests: diff(naiveRequests, before.requests),
  });
  let cpuFrom = cpuSample();
  const phase = (name: string) => {
    const now = cpuSample();
    result.otherCpu[name] = otherCpuShare(cpuFrom, now);
    cpuFrom = now;
  };
  const startPhase = (name: string) => {
    result.loadBefore[name] = os.loadavg();
    cpuFrom = cpuSample();
  };
  const expectExactly = async (
    ref: ServiceRoutingRef,
    expected: string[],
    what: string,
  ) => {
    const seen = await observe(client, ref);
    const problems = [
      ...missing(expected, seen.routes).map(f => `route ${f} missing`),
      ...missing(expected, seen.subsets).map(f => `subset ${f} missing`),
      ...[...seen.routes]
        .filter(f => !expected.includes(f))
        .map(f => `stray route ${f}`),
      seen.violations ? `${seen.violations} violation(s)` : '',
      seen.defaultLast ? '' : 'default route not last',
    ].filter(Boolean);
    const text = problems.length
      ? `**${problems.length} problem(s)**: ${problems.slice(0, 5).join(', ')}`
      : `ok (${seen.routes.size} routes, ${seen.subsets.size} subsets, default last, no violation)`;
    say(`  check ${what}: ${text}`);
    return text;
  };

  // 1. preload
  startPhase('preload');
  let w = envMark();
  [result.envmesh.preloadMs] = await timed(() =>
    writer.setFeatures({ ...envRef, features }),
  );
  result.envmesh.preloadCounters = writerCounters(w);
  say(
    `envmesh: preloaded ${preload} features with setFeatures in ${fmt(
      result.envmesh.preloadMs,
      0,
    )} ms ${JSON.stringify(result.envmesh.preloadCounters)}`,
  );
  let n = naiveMark();
  [result.naive.preloadMs] = await timed(async () => {
    for (const f of features) await naive.addFeature(f);
  });
  result.naive.preloadCounters = naiveCounters(n);
  phase('preload');
  say(
    `naive: preloaded ${preload} features one after the other in ${fmt(
      result.naive.preloadMs,
      0,
    )} ms ${JSON.stringify(result.naive.preloadCounters)}`,
  );
  result.envmesh.preloadCheck = await expectExactly(
    envRef,
    features,
    'envmesh after preload',
  );
  result.naive.preloadCheck = await expectExactly(
    naiveRef,
    features,
    'naive after preload',
  );

  // 2. add the (N+1)-th route, remove it again (timed separately); envmesh and naive alternate.
  startPhase('single');
  w = envMark();
  n = naiveMark();
  const samples = {
    envmesh: { add: [] as number[], removeAdded: [] as number[] },
    naive: { add: [] as number[], removeAdded: [] as number[] },
  };
  const ops: Record<
    Side,
    { add(f: string): Promise<void>; remove(f: string): Promise<void> }
  > = {
    envmesh: {
      add: f => writer.addFeature({ ...envRef, feature: f }),
      remove: f => writer.removeFeature({ ...envRef, feature: f }),
    },
    naive: {
      add: f => naive.addFeature(f),
      remove: f => naive.removeFeature(f),
    },
  };
  for (let i = -WARMUP; i < reps; i++) {
    for (const side of ['envmesh', 'naive'] as const) {
      const [addMs] = await timed(() => ops[side].add(added));
      const [removeMs] = await timed(() => ops[side].remove(added));
      if (i >= 0) {
        samples[side].add.push(addMs);
        samples[side].removeAdded.push(removeMs);
      }
    }
  }
  for (const side of ['envmesh', 'naive'] as const) {
    result[side].add = summary(samples[side].add);
    result[side].removeAdded = summary(samples[side].removeAdded);
    say(
      `${side}: add the ${ordinal(preload + 1)} route: ${describeSummary(
        result[side].add!,
      )}; remove it: ${describeSummary(result[side].removeAdded!)}`,
    );
  }

  // 3. remove one of the N routes (a different one each time), re-add it untimed.
  const removeSamples: Record<Side, number[]> = { envmesh: [], naive: [] };
  for (let i = -WARMUP; i < reps; i++) {
    // Spread over the list: first, middle and last positions all occur.
    const victim =
      features[((((i + WARMUP) * 97) % preload) + preload) % preload];
    for (const side of ['envmesh', 'naive'] as const) {
      const [ms] = await timed(() => ops[side].remove(victim));
      await ops[side].add(victim);
      if (i >= 0) removeSamples[side].push(ms);
    }
  }
  result.envmesh.singleCounters = writerCounters(w);
  result.naive.singleCounters = naiveCounters(n);
  phase('single');
  for (const side of ['envmesh', 'naive'] as const) {
    result[side].remove = summary(removeSamples[side]);
    say(
      `${side}: remove one of the ${preload} routes: ${describeSummary(
        result[side].remove!,
      )}`,
    );
  }
  result.envmesh.singleCheck = await expectExactly(
    envRef,
    features,
    'envmesh after the single adds/removes',
  );
  result.naive.singleCheck = await expectExactly(
    naiveRef,
    features,
    'naive after the single adds/removes',
  );

  // 4. concurrent creations
  const runBurst = async (
    side: Side,
    ref: ServiceRoutingRef,
    countersNow: () => Counters,
  ): Promise<NonNullable<SideResult['burst']>> => {
    const started = performance.now();
    const settled = await Promise.allSettled(burst.map(f => ops[side].add(f)));
    const callsReturnedMs = performance.now() - started;
    const seen = await observe(client, ref);
    const afterRead = performance.now() - started;
    const lostFeatures = missing(burst, seen.routes);
    const routesLost = lostFeatures.length;
    const failed = settled.filter(
      (s): s is PromiseRejectedResult => s.status === 'rejected',
    );
    return {
      callsReturnedMs,
      allRoutedMs: routesLost === 0 ? afterRead : undefined,
      failedCalls: failed.length,
      firstError: failed[0]
        ? `${
            failed[0].reason?.code ? `HTTP ${failed[0].reason.code}: ` : ''
          }${apiErrorMessage(failed[0].reason)}`
        : undefined,
      routesLost,
      silentlyLost: lostFeatures.filter(
        f => settled[burst.indexOf(f)].status === 'fulfilled',
      ).length,
      subsetsLost: missing(burst, seen.subsets).length,
      violations: seen.violations,
      defaultLast: seen.defaultLast,
      counters: countersNow(),
    };
  };
  for (const side of ['envmesh', 'naive'] as const) {
    startPhase(`${side} burst`);
    const writerMark = envMark();
    const naiveMarkNow = naiveMark();
    const res = await runBurst(
      side,
      side === 'envmesh' ? envRef : naiveRef,
      side === 'envmesh'
        ? () => writerCounters(writerMark)
        : () => naiveCounters(naiveMarkNow),
    );
    phase(`${side} burst`);
    result[side].burst = res;
    say(
      `${side}: ${concurrent} concurrent creations: calls returned after ${fmt(
        res.callsReturnedMs,
        0,
      )} ms, ${
        res.allRoutedMs === undefined
          ? 'NOT all routed'
          : `all routed (read back) after ${fmt(res.allRoutedMs, 0)} ms`
      }; routes lost ${res.routesLost}/${concurrent} (${
        res.silentlyLost
      } after a successful call), subsets lost ${
        res.subsetsLost
      }, routes to a missing subset ${res.violations}, failed calls ${
        res.failedCalls
      } ${JSON.stringify(res.counters)}`,
    );
    const final = await observe(client, side === 'envmesh' ? envRef : naiveRef);
    result[side].final = {
      routes: final.routes.size,
      subsets: final.subsets.size,
      vsKiB: final.vsBytes / 1024,
    };
  }
}

// ---------------------------------------------------------------- report

function counters(c?: Counters) {
  if (!c) return '—';
  const q = c.requests;
  const requests = `${q.GET + q.LIST + q.APPLY + q.CREATE} requests (${
    q.GET
  } GET, ${q.LIST} LIST, ${q.APPLY} apply, ${q.CREATE} create)`;
  return c.batches !== undefined
    ? `${c.batches} batches, ${c.writes} writes, ${c.conflicts} conflicts; ${requests}`
    : `${requests}; no batching, no precondition (a conflict is never detected)`;
}

/** The writer stats (and the naive client's request counts) per phase. */
function statsLines(r: RunResult): string[] {
  const lines: string[] = [];
  for (const side of ['envmesh', 'naive'] as const) {
    const s = r[side];
    lines.push(
      `- ${side}, preload: ${counters(s.preloadCounters)}`,
      `- ${side}, single adds/removes (${
        (r.reps + WARMUP) * 4
      } calls, warm-up included): ${counters(s.singleCounters)}`,
      `- ${side}, ${r.concurrent} concurrent creations: ${counters(
        s.burst?.counters,
      )}`,
    );
  }
  return lines;
}

function table(r: RunResult): string {
  const e = r.envmesh;
  const v = r.naive;
  const pp = (s?: Summary) => `${fmt(s?.p50, 0)} / ${fmt(s?.p95, 0)}`;
  const routed = (b?: SideResult['burst']) => {
    if (!b) return '—';
    if (b.allRoutedMs !== undefined) return fmt(b.allRoutedMs / 1000, 2);
    return `never (${b.routesLost} missing; calls returned after ${fmt(
      b.callsReturnedMs / 1000,
      2,
    )})`;
  };
  const lost = (b?: SideResult['burst']) => {
    if (!b) return '—';
    if (!b.routesLost)
      return `0${b.failedCalls ? ` (${b.failedCalls} calls failed)` : ''}`;
    return `${b.routesLost} (${b.silentlyLost} after a successful call${
      b.failedCalls ? `; ${b.failedCalls} calls failed` : ''
    })`;
  };
  const rows = [
    '| measure | envmesh RoutingWriter | naive read-modify-write |',
    '|---|---:|---:|',
    `| preload ${r.preload} features, s | ${fmt(
      e.preloadMs === undefined ? undefined : e.preloadMs / 1000,
      2,
    )} | ${fmt(
      v.preloadMs === undefined ? undefined : v.preloadMs / 1000,
      2,
    )} |`,
    `| add the ${ordinal(r.preload + 1)} route, p50 / p95 ms | ${pp(
      e.add,
    )} | ${pp(v.add)} |`,
    `| remove one of ${r.preload} routes, p50 / p95 ms | ${pp(e.remove)} | ${pp(
      v.remove,
    )} |`,
    `| ${r.concurrent} concurrent creations: time to all routed, s | ${routed(
      e.burst,
    )} | ${routed(v.burst)} |`,
    `| ${r.concurrent} concurrent creations: routes lost (of ${
      r.concurrent
    }) | ${lost(e.burst)} | ${lost(v.burst)} |`,
  ];
  return rows.join('\n');
}

function verdicts(r: RunResult): string[] {
  const b = r.envmesh.burst;
  return [
    `- ${r.concurrent} concurrent creations on one service lose no route: ${
      b ? `${b.routesLost} lost` : '—'
    } — ${verdict(b ? b.routesLost === 0 && b.failedCalls === 0 : undefined)}`,
    `- compared with a naive read-modify-write client in the same run: ${
      r.naive.burst
        ? `${r.naive.burst.routesLost} of ${r.concurrent} routes lost by the naive client`
        : 'not measured'
    }`,
  ];
}

function report(
  machine: ReturnType<typeof machineInfo>,
  r: RunResult,
  notes: string[],
): string {
  const ms = (x?: number) => (x === undefined ? '—' : `${fmt(x, 0)} ms`);
  const side = (name: Side) => {
    const s = r[name];
    const b = s.burst;
    return [
      `### ${
        name === 'envmesh'
          ? `envmesh RoutingWriter (\`${ENVMESH_SERVICE}\`)`
          : `naive client (\`${NAIVE_SERVICE}\`)`
      }`,
      '',
      `- preload: ${ms(s.preloadMs)}; ${counters(
        s.preloadCounters,
      )}; read back: ${s.preloadCheck ?? '—'}`,
      `- add the ${ordinal(r.preload + 1)} route: ${
        s.add ? describeSummary(s.add) : '—'
      }`,
      `- remove that route again: ${
        s.removeAdded ? describeSummary(s.removeAdded) : '—'
      }`,
      `- remove one of the ${r.preload} routes: ${
        s.remove ? describeSummary(s.remove) : '—'
      }`,
      `- single adds/removes (warm-up included): ${counters(
        s.singleCounters,
      )}; read back afterwards: ${s.singleCheck ?? '—'}`,
      ...(b
        ? [
            `- ${r.concurrent} concurrent creations: calls returned after ${ms(
              b.callsReturnedMs,
            )}, ${
              b.allRoutedMs === undefined
                ? 'never all routed'
                : `all routed (read back) after ${ms(b.allRoutedMs)}`
            }; routes lost ${b.routesLost}, DR subsets lost ${
              b.subsetsLost
            }, routes to a missing subset (IST0101, 503) ${
              b.violations
            }, default route ${
              b.defaultLast ? 'last' : '**not last**'
            }, failed calls ${b.failedCalls}${
              b.firstError ? ` (first: ${b.firstError})` : ''
            }`,
            `  - ${counters(b.counters)}`,
          ]
        : []),
      ...(s.final
        ? [
            `- at the end: ${s.final.routes} feature routes, ${
              s.final.subsets
            } feature subsets, VirtualService ${fmt(
              s.final.vsKiB,
              0,
            )} KiB as JSON`,
          ]
        : []),
      '',
    ];
  };
  const lines = [
    `# Benchmark: feature routing, \`${r.mode}\` mode`,
    '',
    `Generated by \`node --require @backstage/cli/config/nodeTransform.cjs bench/feature-routing/run.ts --mode ${r.mode}\` (see \`bench/README.md\`).`,
    '',
    table(r),
    '',
    '## Writer stats',
    '',
    ...statsLines(r),
    '',
    '## Target (issue 5, item 10)',
    '',
    ...verdicts(r),
    '',
    '## Machine',
    '',
    ...machineLines(
      machine,
      Object.entries(r.loadBefore).map(
        ([phase, l]) => `- load average before ${phase}: ${formatLoad(l)}`,
      ),
    ),
    `- CPU used by processes outside the benchmark: ${describeOtherCpu(
      r.otherCpu,
    )}`,
    ...notes.map(note => `- note: ${note}`),
    `- local cluster start: ${r.clusterStartS.toFixed(1)} s (not in the table)`,
    '',
    '## Details',
    '',
    ...(r.error ? [`- **failed**: ${r.error}`, ''] : []),
    ...side('envmesh'),
    ...side('naive'),
    '## How it is measured',
    '',
    `- One local control plane (packages/local-cluster: etcd, kube-apiserver, kwok nodes, Istio CRDs; no istiod) started by the`,
    `  benchmark; one fresh namespace with two base services, each a Deployment + Service whose pods carry`,
    `  \`${INSTANCE_LABEL}: <name>\`. ${
      r.mode === 'subset'
        ? `\`${ENVMESH_SERVICE}\`'s Service selects by \`${SERVICE_LABEL}\` and every feature has a ready pod behind it`
        : `every feature of \`${ENVMESH_SERVICE}\` has a ready pod and its instance Service \`${ENVMESH_SERVICE}-<feature>\``
    } (created untimed,`,
    `  the writer checks them before it routes); \`addFeature\` is called without \`waitReady\`. Each side has a`,
    `  client of its own, its discovery cache warmed before the preload (untimed).`,
    `- **envmesh**: one \`RoutingWriter\` (plugins/environments-backend/src/routing) on \`${ENVMESH_SERVICE}\`, as the backend uses it:`,
    `  DR subset, then VS route (make-before-break), changes per service batched, every write server-side apply with the`,
    `  live resourceVersion as precondition (409: re-read, recompute, retry). Preload with \`setFeatures\` (one call).`,
    `- **naive**: a read-modify-write client on \`${NAIVE_SERVICE}\`: per feature, GET the DR, add the subset, apply; GET the VS,`,
    `  insert the header route before the default route, apply — server-side apply with \`force: true\` and no`,
    `  resourceVersion, no batching, no retry (what \`kubectl get\` + edit + \`kubectl apply --server-side --force-conflicts\``,
    `  in a script does). Preload: one feature after the other (awaited). Route shape identical to envmesh's (exact match`,
    `  on \`${DEFAULT_FEATURE_HEADER.toLowerCase()}\` → subset, default route last).`,
    `- **add the ${ordinal(
      r.preload + 1,
    )} route**: wall time of one \`addFeature\` on a service holding ${
      r.preload
    } features, then its removal`,
    `  (timed separately, in Details); ${r.reps} repetitions after ${WARMUP} untimed, envmesh and naive alternating.`,
    `- **remove one route**: wall time of one \`removeFeature\` of one of the ${r.preload} features (a different one each`,
    `  repetition, spread over the list), re-added untimed; ${r.reps} repetitions after ${WARMUP} untimed, alternating.`,
    `- p50 / p95: nearest-rank percentiles of the repetitions.`,
    `- Requests per single add or remove: envmesh runs 2 batches (backend, then route), each reading the host's DR (GET)`,
    `  and listing every VS of the namespace (LIST: a chart-owned VS may have any name, and a second VS for the host must`,
    `  be refused)${
      r.mode === 'service' ? ' and its Services (LIST)' : ''
    }; a batch that adds also reads the host's Service (GET) and the pods it selects (LIST), to route only to`,
    `  ready pods and never while \`default\` selects a feature pod. The naive client: 2 GET + 2 applies. Here the VS LIST`,
    `  returns both services' VirtualServices (each with ${r.preload}+ routes). Counts per phase under Writer stats.`,
    `- **${r.concurrent} concurrent creations**: \`Promise.allSettled\` of ${r.concurrent} \`addFeature\` calls on the service (already holding`,
    `  ${r.preload} features); "time to all routed" runs until the calls returned and a read-back of the VS held all ${r.concurrent}`,
    `  routes (never, when some are missing: a lost route does not come back). **routes lost** = ${r.concurrent} − the new routes`,
    `  present in the VS read back after all calls returned.`,
    `- The API server is local (loopback, no network latency); on a real cluster every request costs more, the naive client's`,
    `  (2 GETs + 2 writes per feature, unbatched) more than envmesh's batches.`,
    '',
  ];
  return lines.join('\n');
}

// ---------------------------------------------------------------- main

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const machine = machineInfo();
  say(
    `preload ${args.preload}, ${args.reps} repetitions, ${
      args.concurrent
    } concurrent; ${machine.nproc} CPUs (${
      machine.cpuModel
    }), load ${machine.loadStart.map(l => l.toFixed(2)).join(' ')}`,
  );

  let cluster: LocalCluster | undefined;
  let stopping = false;
  const shutdown = async () => {
    if (stopping) return;
    stopping = true;
    await cluster?.stop().catch(e => say(`cluster stop: ${e}`));
  };
  stopOnSignals(shutdown);

  const result: RunResult = {
    mode: args.mode,
    preload: args.preload,
    reps: args.reps,
    concurrent: args.concurrent,
    clusterStartS: 0,
    namespace: `bench-routing-${Date.now().toString(36)}`,
    envmesh: {},
    naive: {},
    loadBefore: {},
    otherCpu: {},
  };
  try {
    const started = Date.now();
    say('starting the local cluster');
    cluster = await startLocalCluster({ name: 'bench-routing' });
    result.clusterStartS = (Date.now() - started) / 1000;
    say(`cluster ready at ${cluster.server} in ${fmt(result.clusterStartS)} s`);
    try {
      await run(cluster, args, result);
    } catch (error) {
      result.error = (error as Error).stack ?? String(error);
      say(`FAILED: ${result.error}`);
    }
    const text = report(machine, result, args.notes);
    console.log(
      `\n${table(result)}\n\n${statsLines(result).join('\n')}\n\n${verdicts(
        result,
      ).join('\n')}\n`,
    );
    writeReport(args.out, text);
  } finally {
    say('stopping the cluster');
    await shutdown();
  }
  const b = result.envmesh.burst;
  if (result.error || !b || b.routesLost || b.failedCalls) process.exitCode = 1;
}

runMain(main);
