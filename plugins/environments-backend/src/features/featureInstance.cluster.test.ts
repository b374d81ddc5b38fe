import {
  AppsV1Api,
  BatchV1Api,
  CoreV1Api,
  DiscoveryV1Api,
  KubernetesObject,
  V1Pod,
} from '@kubernetes/client-node';
import {
  FEATURE_NODE_POOL,
  createTestNamespace,
  testKubeConfig,
} from '@envmesh/local-cluster';
import { ReleaseApplier } from '../apply';
import { eventually } from '../__testUtils__/integration';
import { renderExampleService } from './__testUtils__/exampleChart';
import { collectIsolation } from './collectIsolation';
import { featureInstanceObjects } from './featureInstanceObjects';
import { configuredJobHook, schemaNameHook } from './isolationHooks';
import { placementFromConfig } from './placement';
import { ConfigReader } from '@backstage/config';

// Real helm and a real API server with kwok nodes on a possibly busy machine.
jest.setTimeout(180_000);

const kc = testKubeConfig();
const core = kc.makeApiClient(CoreV1Api);
const apps = kc.makeApiClient(AppsV1Api);
const batch = kc.makeApiClient(BatchV1Api);
const discovery = kc.makeApiClient(DiscoveryV1Api);
const applier = new ReleaseApplier({ concurrency: 4 });

const SERVICE = 'demo-api';
const FEATURE = 'feature-31337';
const ENVIRONMENT = 'feat-test';

// As an operator configures it: the dedicated feature nodes of the local cluster.
const placement = placementFromConfig(
  new ConfigReader({
    placement: {
      nodeSelector: {
        [FEATURE_NODE_POOL.label.key]: FEATURE_NODE_POOL.label.value,
      },
      tolerations: [{ ...FEATURE_NODE_POOL.taint, operator: 'Equal' }],
    },
  }),
);

const runningPods = (namespace: string, selector: string, count: number) =>
  eventually(async () => {
    const { items } = await core.listNamespacedPod({
      namespace,
      labelSelector: selector,
    });
    const running = items.filter(
      p => p.status?.phase === 'Running' && !p.metadata?.deletionTimestamp,
    );
    return running.length === count ? running : undefined;
  }, 90_000);

describe('a feature instance of the example chart beside its base release', () => {
  let ns: { name: string; delete(): Promise<void> };

  beforeAll(async () => {
    ns = await createTestNamespace('feature');
  });
  afterAll(async () => {
    await ns?.delete();
  });

  it('runs the isolation Job and the instance on the feature nodes, behind the base Service', async () => {
    const base = await renderExampleService(SERVICE, {
      namespace: ns.name,
      extra: { virtualService: { enabled: true } },
    });
    await applier.apply({
      kubeConfig: kc,
      namespace: ns.name,
      environment: ENVIRONMENT,
      release: SERVICE,
      objects: base,
      previousInventory: [],
    });

    const isolation = await collectIsolation(
      [
        schemaNameHook(),
        configuredJobHook({
          name: 'copy-schema',
          image: 'example.invalid/psql:16',
          args: [
            'create schema $(ENVMESH_DB_SCHEMA) for {service} in {namespace}',
          ],
        }),
      ],
      {
        environment: ENVIRONMENT,
        namespace: ns.name,
        service: SERVICE,
        feature: FEATURE,
        placement,
      },
    );
    // The Job as the engine applies it: a release of its own, labelled for the feature.
    await applier.apply({
      kubeConfig: kc,
      namespace: ns.name,
      environment: ENVIRONMENT,
      release: SERVICE,
      feature: FEATURE,
      objects: isolation.jobs.map(j => j.job as KubernetesObject),
      previousInventory: [],
    });
    const jobName = `${SERVICE}-${FEATURE}-copy-schema`;
    await eventually(async () => {
      const job = await batch.readNamespacedJob({
        name: jobName,
        namespace: ns.name,
      });
      return job.status?.conditions?.some(
        c => c.type === 'Complete' && c.status === 'True',
      )
        ? job
        : undefined;
    }, 90_000);
    const jobPods = await core.listNamespacedPod({
      namespace: ns.name,
      labelSelector: `job-name=${jobName}`,
    });
    expect(jobPods.items.map(p => p.spec?.nodeName)).toEqual([
      'kwok-feature-1',
    ]);
    expect(jobPods.items[0].spec?.containers[0].args).toEqual([
      `create schema $(ENVMESH_DB_SCHEMA) for ${SERVICE} in ${ns.name}`,
    ]);

    const instance = featureInstanceObjects(base, {
      service: SERVICE,
      feature: FEATURE,
      placement,
      env: isolation.env,
    });
    const applied = await applier.apply({
      kubeConfig: kc,
      namespace: ns.name,
      environment: ENVIRONMENT,
      release: SERVICE,
      feature: FEATURE,
      objects: instance,
      previousInventory: [],
    });
    expect(applied.inventory.map(r => `${r.kind}/${r.name}`)).toEqual([
      `ConfigMap/${SERVICE}-${FEATURE}`,
      `Deployment/${SERVICE}-${FEATURE}`,
    ]);

    const basePods = await runningPods(
      ns.name,
      `app.kubernetes.io/instance=${SERVICE}`,
      1,
    );
    const featurePods = await runningPods(
      ns.name,
      `app.kubernetes.io/instance=${SERVICE}.${FEATURE}`,
      1,
    );
    // kwok bound the feature pod to the tainted feature node, the base pod to a general one.
    expect(featurePods.map(p => p.spec?.nodeName)).toEqual(['kwok-feature-1']);
    expect(basePods[0].spec?.nodeName).toMatch(/^kwok-general-/);
    const container = featurePods[0].spec!.containers[0];
    expect(container.env?.[0]).toEqual({
      name: 'ENVMESH_DB_SCHEMA',
      value: 'demo_api_feature_31337',
    });
    expect(featurePods[0].spec?.volumes).toContainEqual(
      expect.objectContaining({
        configMap: expect.objectContaining({ name: `${SERVICE}-${FEATURE}` }),
      }),
    );

    // Each Deployment counts only its own pods.
    const namespace = ns.name;
    const available = (name: string) =>
      eventually(async () => {
        const d = await apps.readNamespacedDeployment({ name, namespace });
        return d.status?.availableReplicas === 1 ? d : undefined;
      }, 60_000);
    for (const name of [SERVICE, `${SERVICE}-${FEATURE}`]) {
      expect((await available(name)).status?.replicas).toBe(1);
    }

    // The one base Service reaches both pods: its endpoints hold the base and the feature pod.
    const podName = (p: V1Pod) => p.metadata!.name!;
    const endpoints = await eventually(async () => {
      const slices = await discovery.listNamespacedEndpointSlice({
        namespace: ns.name,
        labelSelector: `kubernetes.io/service-name=${SERVICE}`,
      });
      const names = slices.items
        .flatMap(s => s.endpoints ?? [])
        .map(e => e.targetRef?.name)
        .sort();
      return names.length === 2 ? names : undefined;
    }, 60_000);
    expect(endpoints).toEqual(
      [podName(basePods[0]), podName(featurePods[0])].sort(),
    );
    const services = await core.listNamespacedService({ namespace: ns.name });
    expect(services.items.map(s => s.metadata?.name)).toEqual([SERVICE]);
  });
});
