import {
  AppsV1Api,
  CoreV1Api,
  CustomObjectsApi,
  V1Deployment,
} from '@kubernetes/client-node';
import { FEATURE_NODE_POOL } from './nodes';
import { createTestNamespace, testKubeConfig } from './testing';

// Runs against the cluster started by this package's jest global setup.
const kc = testKubeConfig();
const core = kc.makeApiClient(CoreV1Api);
const apps = kc.makeApiClient(AppsV1Api);
const custom = kc.makeApiClient(CustomObjectsApi);

async function eventually<T>(
  what: string,
  read: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await read();
  while (!done(value)) {
    if (Date.now() > deadline) {
      throw new Error(
        `timed out waiting for ${what}: ${JSON.stringify(value)}`,
      );
    }
    await new Promise(resolve => setTimeout(resolve, 250));
    value = await read();
  }
  return value;
}

function deployment(name: string, extraPodSpec: object = {}): V1Deployment {
  const labels = { 'app.kubernetes.io/name': name };
  return {
    metadata: { name },
    spec: {
      replicas: 2,
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: {
          containers: [{ name: 'main', image: `example.invalid/${name}:1.0` }],
          ...extraPodSpec,
        },
      },
    },
  };
}

describe('local cluster', () => {
  let ns: { name: string; delete(): Promise<void> };
  beforeAll(async () => {
    ns = await createTestNamespace('local-cluster');
  });
  afterAll(async () => {
    await ns.delete();
  });

  it('has two general nodes and one tainted feature node, all Ready', async () => {
    const nodes = (await core.listNode()).items;
    const summary = nodes
      .map(n => ({
        name: n.metadata!.name,
        pool: n.metadata!.labels![FEATURE_NODE_POOL.label.key],
        tainted: !!n.spec?.taints?.some(
          t => t.key === FEATURE_NODE_POOL.taint.key,
        ),
        ready: n.status?.conditions?.find(c => c.type === 'Ready')?.status,
      }))
      .sort((a, b) => a.name!.localeCompare(b.name!));
    expect(summary).toEqual([
      { name: 'kwok-feature-1', pool: 'feature', tainted: true, ready: 'True' },
      {
        name: 'kwok-general-1',
        pool: 'general',
        tainted: false,
        ready: 'True',
      },
      {
        name: 'kwok-general-2',
        pool: 'general',
        tainted: false,
        ready: 'True',
      },
    ]);
  });

  it('makes a Deployment Available with Ready pods on general kwok nodes', async () => {
    await apps.createNamespacedDeployment({
      namespace: ns.name,
      body: deployment('web'),
    });
    const available = await eventually(
      'Deployment web to be Available',
      () => apps.readNamespacedDeployment({ name: 'web', namespace: ns.name }),
      d =>
        d.status?.availableReplicas === 2 &&
        !!d.status.conditions?.some(
          c => c.type === 'Available' && c.status === 'True',
        ),
    );
    expect(available.status?.readyReplicas).toBe(2);

    const pods = await core.listNamespacedPod({
      namespace: ns.name,
      labelSelector: 'app.kubernetes.io/name=web',
    });
    expect(pods.items).toHaveLength(2);
    for (const pod of pods.items) {
      expect(pod.status?.phase).toBe('Running');
      expect(pod.spec?.nodeName).toMatch(/^kwok-general-/);
      expect(
        pod.status?.conditions?.find(c => c.type === 'Ready')?.status,
      ).toBe('True');
    }
  });

  it('places pods that tolerate the feature taint and select the pool on the feature node', async () => {
    await apps.createNamespacedDeployment({
      namespace: ns.name,
      body: deployment('web-feature-1', {
        nodeSelector: {
          [FEATURE_NODE_POOL.label.key]: FEATURE_NODE_POOL.label.value,
        },
        tolerations: [{ ...FEATURE_NODE_POOL.taint, operator: 'Equal' }],
      }),
    });
    const pods = await eventually(
      'feature pods to run',
      () =>
        core.listNamespacedPod({
          namespace: ns.name,
          labelSelector: 'app.kubernetes.io/name=web-feature-1',
        }),
      list =>
        list.items.length === 2 &&
        list.items.every(p => p.status?.phase === 'Running'),
    );
    expect(pods.items.map(p => p.spec?.nodeName)).toEqual([
      'kwok-feature-1',
      'kwok-feature-1',
    ]);
  });

  it('stores and returns Istio VirtualServices and DestinationRules', async () => {
    const group = 'networking.istio.io';
    const version = 'v1';
    const destinationRule = {
      apiVersion: `${group}/${version}`,
      kind: 'DestinationRule',
      metadata: { name: 'demo-api' },
      spec: {
        host: 'demo-api',
        subsets: [
          {
            name: 'default',
            labels: { 'app.kubernetes.io/instance': 'demo-api' },
          },
          {
            name: 'feature-31337',
            labels: { 'app.kubernetes.io/instance': 'demo-api.feature-31337' },
          },
        ],
      },
    };
    const virtualService = {
      apiVersion: `${group}/${version}`,
      kind: 'VirtualService',
      metadata: { name: 'demo-api' },
      spec: {
        hosts: ['demo-api'],
        http: [
          {
            match: [
              { headers: { 'x-feature-name': { exact: 'feature-31337' } } },
            ],
            route: [
              { destination: { host: 'demo-api', subset: 'feature-31337' } },
            ],
          },
          { route: [{ destination: { host: 'demo-api', subset: 'default' } }] },
        ],
      },
    };
    for (const [plural, body] of [
      ['destinationrules', destinationRule],
      ['virtualservices', virtualService],
    ] as const) {
      await custom.createNamespacedCustomObject({
        group,
        version,
        namespace: ns.name,
        plural,
        body,
      });
      const read = await custom.getNamespacedCustomObject({
        group,
        version,
        namespace: ns.name,
        plural,
        name: 'demo-api',
      });
      expect(read.spec).toEqual(body.spec);
    }

    // The older served version returns the same object.
    const beta = await custom.getNamespacedCustomObject({
      group,
      version: 'v1beta1',
      namespace: ns.name,
      plural: 'virtualservices',
      name: 'demo-api',
    });
    expect(beta.spec.http[1].route[0].destination.subset).toBe('default');
  });

  it('serves Gateway API and cert-manager kinds', async () => {
    const route = await custom.createNamespacedCustomObject({
      group: 'gateway.networking.k8s.io',
      version: 'v1',
      namespace: ns.name,
      plural: 'httproutes',
      body: {
        apiVersion: 'gateway.networking.k8s.io/v1',
        kind: 'HTTPRoute',
        metadata: { name: 'demo-api' },
        spec: { parentRefs: [{ name: 'mesh' }] },
      },
    });
    expect(route.metadata.uid).toBeDefined();
    const cert = await custom.createNamespacedCustomObject({
      group: 'cert-manager.io',
      version: 'v1',
      namespace: ns.name,
      plural: 'certificates',
      body: {
        apiVersion: 'cert-manager.io/v1',
        kind: 'Certificate',
        metadata: { name: 'demo-net-tls' },
        spec: {
          secretName: 'demo-net-tls',
          dnsNames: ['demo.net', '*.demo.net'],
          issuerRef: { kind: 'ClusterIssuer', name: 'letsencrypt' },
        },
      },
    });
    expect(cert.spec.dnsNames).toEqual(['demo.net', '*.demo.net']);
  });
});
