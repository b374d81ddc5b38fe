import {
  AppsV1Api,
  CoreV1Api,
  KubernetesObject,
  V1Pod,
} from '@kubernetes/client-node';
import { FEATURE_NODE_POOL, testKubeConfig } from '@envmesh/local-cluster';
import { WorkloadNotReadyError } from './ReadinessWaiter';
import {
  deployment,
  ref,
  rejection,
  watchedTestNamespace,
} from './__testUtils__/fixtures';

jest.setTimeout(90_000);

// Runs against the real local cluster (kwok nodes) started by the package's jest global setup.
const kc = testKubeConfig();
const core = kc.makeApiClient(CoreV1Api);
const apps = kc.makeApiClient(AppsV1Api);

describe('NamespaceWatcher readiness', () => {
  const ns = watchedTestNamespace('watch');

  it('resolves waitReady when a 2-replica Deployment is available on kwok nodes', async () => {
    await ns.apply('web', [deployment('web')]);
    await ns.watcher.waitReady([ref('Deployment', 'web')], {
      timeoutMs: 60_000,
    });

    // The cache and the cluster agree.
    const [status] = await ns.watcher.status([ref('Deployment', 'web')]);
    expect(status).toMatchObject({
      found: true,
      desiredReplicas: 2,
      readyReplicas: 2,
      images: ['example.invalid/web:1.0'],
      ready: true,
    });
    const live = await apps.readNamespacedDeployment({
      name: 'web',
      namespace: ns.name,
    });
    expect(live.status?.availableReplicas).toBe(2);
    const pods = ns.watcher.podsOf(ref('Deployment', 'web'));
    expect(pods).toHaveLength(2);
    expect(pods.every(p => p.spec?.nodeName?.startsWith('kwok-general-'))).toBe(
      true,
    );
  });

  it('resolves for a Job once kwok completes its pod', async () => {
    // kwok's default stages complete pods owned by a Job (phase Succeeded), so the Job gets Complete.
    await ns.apply('migrate', [
      {
        apiVersion: 'batch/v1',
        kind: 'Job',
        metadata: { name: 'migrate' },
        spec: {
          backoffLimit: 0,
          template: {
            spec: {
              restartPolicy: 'Never',
              containers: [
                { name: 'migrate', image: 'example.invalid/migrate:1' },
              ],
            },
          },
        },
      } as KubernetesObject,
    ]);
    const job = ref('Job', 'migrate', 'batch/v1');
    await ns.watcher.waitReady([job], { timeoutMs: 60_000 });
    const [status] = await ns.watcher.status([job]);
    expect(status).toMatchObject({
      desiredReplicas: 1,
      readyReplicas: 1,
      ready: true,
      images: ['example.invalid/migrate:1'],
    });
  });

  it('times out with the scheduler message when no node has the selected label', async () => {
    await ns.apply('nowhere', [
      deployment('nowhere', {
        replicas: 1,
        podSpec: { nodeSelector: { 'envmesh.io/no-such-pool': 'x' } },
      }),
    ]);
    const error = await rejection(
      // The completed Job stays ready (a Deployment's kwok pods can lose readiness when the local cluster's
      // nodes miss a heartbeat, so a Deployment is not used as the ready one here).
      ns.watcher.waitReady(
        [ref('Deployment', 'nowhere'), ref('Job', 'migrate', 'batch/v1')],
        { timeoutMs: 5_000 },
      ),
    );
    expect(error).toBeInstanceOf(WorkloadNotReadyError);
    const { workloads } = error as WorkloadNotReadyError;
    // Only the unready one is listed, with the scheduler's reason.
    expect(workloads.map(w => `${w.ref.name}: ${w.reason}`)).toEqual([
      expect.stringMatching(/^nowhere: /),
    ]);
    expect(workloads[0].reason).toMatch(/0\/3 nodes are available/);
    expect(workloads[0].reason).toMatch(
      /didn't match Pod's node affinity\/selector/,
    );
    expect(error.message).toContain('nowhere');

    // The cluster says the same.
    const pods = await core.listNamespacedPod({
      namespace: ns.name,
      labelSelector: 'app.kubernetes.io/name=nowhere',
    });
    expect(
      pods.items[0].status?.conditions?.find(c => c.type === 'PodScheduled'),
    ).toMatchObject({ status: 'False', reason: 'Unschedulable' });
  });

  it('does not count a rolled-out Deployment as ready while its new pod cannot be scheduled', async () => {
    // As recordedApply does: the apply's records are tracked before waiting, so a cache still holding the
    // previous generation is not read as ready either.
    const applyTracked = async (object: KubernetesObject) => {
      const { recorded } = await ns.apply('moving', [object]);
      await ns.watcher.trackInventory('moving', recorded);
    };
    await applyTracked(deployment('moving', { replicas: 1 }));
    await ns.watcher.waitReady([ref('Deployment', 'moving')], {
      timeoutMs: 60_000,
    });

    await applyTracked(
      deployment('moving', {
        replicas: 1,
        podSpec: { nodeSelector: { 'envmesh.io/no-such-pool': 'x' } },
      }),
    );
    const error = await rejection(
      ns.watcher.waitReady([ref('Deployment', 'moving')], { timeoutMs: 5_000 }),
    );
    expect(error).toBeInstanceOf(WorkloadNotReadyError);
    expect((error as WorkloadNotReadyError).workloads[0].reason).toMatch(
      /0\/3 nodes are available/,
    );
    // The old pod still serves, which is why availability alone said ready.
    const live = await apps.readNamespacedDeployment({
      name: 'moving',
      namespace: ns.name,
    });
    expect(live.status).toMatchObject({
      availableReplicas: 1,
      updatedReplicas: 1,
      replicas: 2,
    });
  });

  it('names the untolerated taint when pods select the feature pool without tolerating it', async () => {
    const onFeaturePool = (podSpec: object = {}) =>
      ns.apply('feature-no-toleration', [
        deployment('feature-no-toleration', {
          replicas: 1,
          podSpec: {
            nodeSelector: {
              [FEATURE_NODE_POOL.label.key]: FEATURE_NODE_POOL.label.value,
            },
            ...podSpec,
          },
        }),
      ]);
    await onFeaturePool();
    const error = await rejection(
      ns.watcher.waitReady([ref('Deployment', 'feature-no-toleration')], {
        timeoutMs: 5_000,
      }),
    );
    expect((error as WorkloadNotReadyError).workloads[0].reason).toMatch(
      /untolerated taint/,
    );

    // With the toleration it runs on the feature node.
    await onFeaturePool({
      tolerations: [{ ...FEATURE_NODE_POOL.taint, operator: 'Equal' }],
    });
    await ns.watcher.waitReady([ref('Deployment', 'feature-no-toleration')], {
      timeoutMs: 60_000,
    });
    const running = ns.watcher
      .podsOf(ref('Deployment', 'feature-no-toleration'))
      .filter(
        (p: V1Pod) =>
          !p.metadata?.deletionTimestamp && p.status?.phase === 'Running',
      );
    expect(running.map(p => p.spec?.nodeName)).toContain('kwok-feature-1');
  });

  it('treats other kinds as ready, reports missing workloads, and honours an abort signal', async () => {
    await ns.watcher.waitReady([ref('ConfigMap', 'anything', 'v1')], {
      timeoutMs: 1_000,
    });
    const [missing] = await ns.watcher.status([ref('Deployment', 'missing')]);
    expect(missing).toMatchObject({ found: false, ready: false });

    const controller = new AbortController();
    const waiting = ns.watcher.waitReady([ref('Deployment', 'missing')], {
      timeoutMs: 60_000,
      signal: controller.signal,
    });
    controller.abort(new Error('operation cancelled'));
    await expect(waiting).rejects.toThrow('operation cancelled');

    const error = await rejection(
      ns.watcher.waitReady([ref('Deployment', 'missing')], { timeoutMs: 500 }),
    );
    expect((error as WorkloadNotReadyError).workloads[0].reason).toMatch(
      /not found/,
    );
  });
});
