import { createTestNamespace, testKubeConfig } from '@envmesh/local-cluster';
import { RoutingWriter, ServiceRoutingRef } from './RoutingWriter';
import { validateRouting } from './validateRouting';

jest.setTimeout(120_000);

// Runs against the real local cluster started by the package's jest global setup.
const kc = testKubeConfig();

const names = (count: number, prefix = 'feature') =>
  Array.from({ length: count }, (_, i) => `${prefix}-${i + 1}`);

/** Instances become ready at scattered times, so the route writes interleave with the subset writes. */
const scatteredReady = () => () =>
  new Promise<void>(r => setTimeout(r, Math.random() * 50));

describe('RoutingWriter under concurrency', () => {
  let ns: { name: string; delete(): Promise<void> };
  let ref: ServiceRoutingRef;

  beforeEach(async () => {
    ns = await createTestNamespace('routing-conc');
    ref = {
      kubeConfig: kc,
      namespace: ns.name,
      environment: 'dev-1',
      host: 'demo-api',
      baseInstance: 'demo-api',
    };
  });
  afterEach(async () => {
    await ns.delete();
  });

  /** What the cluster holds, in the shape {@link routedAs} expects. */
  async function routing(writer: RoutingWriter) {
    const state = await writer.read(ref);
    const http = state.virtualService!.spec.http!;
    return {
      routes: state.routes,
      subsets: state.subsets,
      vsRoutes: http.length,
      lastRoute: http[http.length - 1].name,
      drSubsets: state.destinationRule!.spec.subsets!.length,
      violations: validateRouting({
        target: ref,
        vs: state.virtualService!,
        dr: state.destinationRule,
      }),
    };
  }

  /** One route and one subset per feature, plus the default ones (last route), and nothing wrong. */
  function routedAs(features: string[]) {
    const sorted = [...features].sort();
    return {
      routes: sorted,
      subsets: sorted,
      vsRoutes: features.length + 1,
      lastRoute: 'default',
      drSubsets: features.length + 1,
      violations: [],
    };
  }

  it('50 concurrent addFeature calls on one service lose no route', async () => {
    const writer = new RoutingWriter();
    const features = names(50);
    const started = Date.now();
    await Promise.all(
      features.map(feature =>
        writer.addFeature({ ...ref, feature, waitReady: scatteredReady() }),
      ),
    );
    const ms = Date.now() - started;
    expect(await routing(writer)).toEqual(routedAs(features));
    // eslint-disable-next-line no-console
    console.log(
      `50 concurrent addFeature: all routed in ${ms} ms`,
      writer.stats,
    );
  });

  it('two writers (as two backend replicas) adding 25 each lose no route', async () => {
    const replicas = [new RoutingWriter(), new RoutingWriter()];
    const features = names(50);
    const started = Date.now();
    await Promise.all(
      features.map((feature, i) =>
        replicas[i % 2].addFeature({
          ...ref,
          feature,
          waitReady: scatteredReady(),
        }),
      ),
    );
    const ms = Date.now() - started;
    expect(await routing(replicas[0])).toEqual(routedAs(features));
    // eslint-disable-next-line no-console
    console.log(
      `2 writers x 25 concurrent addFeature: all routed in ${ms} ms`,
      replicas.map(r => r.stats),
    );
  });

  it('five writers adding 10 each, guarded only by resourceVersion, lose no route', async () => {
    const replicas = Array.from({ length: 5 }, () => new RoutingWriter());
    const features = names(50);
    await Promise.all(
      features.map((feature, i) =>
        replicas[i % 5].addFeature({
          ...ref,
          feature,
          waitReady: scatteredReady(),
        }),
      ),
    );
    expect(await routing(replicas[0])).toEqual(routedAs(features));
    expect(
      replicas.reduce((sum, r) => sum + r.stats.conflicts, 0),
    ).toBeGreaterThan(0);
  });

  it('concurrent adds and removes end at exactly the expected set', async () => {
    const writer = new RoutingWriter();
    const initial = names(20, 'old');
    await writer.setFeatures({ ...ref, features: initial });
    const removed = initial.slice(0, 10);
    const added = names(10, 'new');
    await Promise.all([
      ...removed.map(feature => writer.removeFeature({ ...ref, feature })),
      ...added.map(feature =>
        writer.addFeature({ ...ref, feature, waitReady: scatteredReady() }),
      ),
    ]);
    expect(await routing(writer)).toEqual(
      routedAs([...initial.slice(10), ...added]),
    );
  });
});
