import { createTestNamespace, testKubeConfig } from '@envmesh/local-cluster';
import { DynamicClient } from '../apply/DynamicClient';
import { LABELS } from '../apply/types';
import { INSTANCE_LABEL } from '../naming';
import {
  kubeConfigWithoutCredentials,
  startKubectlProxy,
} from '../__testUtils__/kubectlProxy';
import { RoutingWriter, ServiceRoutingRef } from './RoutingWriter';
import { RoutingViolationError } from './validateRouting';

jest.setTimeout(60_000);

// Runs against the real local cluster started by the package's jest global setup, through a proxy that
// records the writer's requests.
const client = DynamicClient.for(testKubeConfig());

/** The LISTs of one resource among the recorded requests, as their query strings. */
function lists(requests: string[], resource: string): URLSearchParams[] {
  return requests
    .map(r => new URL(r.slice('GET '.length), 'http://proxy'))
    .filter(u => u.pathname.endsWith(`/${resource}`))
    .map(u => u.searchParams);
}

describe('RoutingWriter reads', () => {
  let proxy: Awaited<ReturnType<typeof startKubectlProxy>>;
  let requests: string[] = [];
  let ns: { name: string; delete(): Promise<void> };
  let ref: ServiceRoutingRef;

  beforeAll(async () => {
    proxy = await startKubectlProxy({
      onRequest: (method, url) => {
        if (method === 'GET') requests.push(`GET ${url}`);
      },
    });
  });
  afterAll(() => proxy.close());

  beforeEach(async () => {
    ns = await createTestNamespace('routing-reads');
    ref = {
      kubeConfig: kubeConfigWithoutCredentials(proxy.url),
      namespace: ns.name,
      environment: 'dev-1',
      host: 'demo-api',
      baseInstance: 'demo-api',
    };
    // The host's Service, so that routing reads the pods behind it before it adds.
    await client.create({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'demo-api', namespace: ns.name },
      spec: { selector: { app: 'demo-api' }, ports: [{ port: 80 }] },
    } as any);
  });
  afterEach(async () => {
    await ns.delete();
  });

  it('reads VirtualServices not older than its own last write, and pods from the watch cache', async () => {
    const writer = new RoutingWriter();
    await writer.addFeature({ ...ref, feature: 'feature-1' });
    requests = [];
    await writer.addFeature({ ...ref, feature: 'feature-2' });

    // No consistent LIST, which the API server answers only once its watch cache caught up with etcd.
    const vsLists = lists(requests, 'virtualservices');
    expect(vsLists.length).toBeGreaterThan(0);
    for (const query of vsLists) {
      expect(query.get('resourceVersionMatch')).toBe('NotOlderThan');
      expect(query.get('resourceVersion')).toMatch(/^[1-9]\d*$/);
    }
    const podLists = lists(requests, 'pods');
    expect(podLists.length).toBeGreaterThan(0);
    for (const query of podLists)
      expect(query.get('resourceVersion')).toBe('0');
    // What those reads saw included the first feature's route: both are routed.
    expect((await writer.read(ref)).routes).toEqual(['feature-1', 'feature-2']);
  });

  it('re-reads consistently before it reports what cached reads found wrong', async () => {
    // A pod of a feature that carries the base's instance label: plain requests could reach it.
    await client.create({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: 'leaking',
        namespace: ns.name,
        labels: {
          app: 'demo-api',
          [INSTANCE_LABEL]: 'demo-api',
          [LABELS.feature]: 'feature-9',
        },
      },
      spec: { containers: [{ name: 'app', image: 'demo' }] },
    } as any);
    const writer = new RoutingWriter();
    requests = [];
    const error = await writer
      .addFeature({ ...ref, feature: 'feature-1' })
      .catch(e => e);

    expect(error).toBeInstanceOf(RoutingViolationError);
    expect(error.message).toContain('selects feature pod(s) leaking');
    // Each of the two narrow pod LISTs, first from the watch cache, then again as a consistent read.
    expect(lists(requests, 'pods').map(q => q.get('resourceVersion'))).toEqual([
      '0',
      '0',
      null,
      null,
    ]);
    expect((await writer.read(ref)).subsets).toEqual([]);
  });
});
