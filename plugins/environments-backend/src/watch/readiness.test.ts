import { V1Pod } from '@kubernetes/client-node';
import {
  matchesSelector,
  podProblems,
  readinessOf,
  summarizePodProblems,
} from './readiness';

// kwok cannot make containers crash or fail to pull, so these statuses are written out by hand, in the
// shape the kubelet reports them.
const pod = (name: string, status: V1Pod['status']): V1Pod => ({
  metadata: { name },
  spec: { nodeName: 'node-1', containers: [{ name: 'main' }] },
  status,
});

describe('readiness', () => {
  it('reads container waiting reasons, crash loops and failed init containers', () => {
    expect(
      podProblems(
        pod('a', {
          phase: 'Running',
          conditions: [{ type: 'PodScheduled', status: 'True' }],
          containerStatuses: [
            {
              name: 'main',
              image: 'x',
              imageID: '',
              ready: false,
              restartCount: 4,
              state: {
                waiting: {
                  reason: 'CrashLoopBackOff',
                  message: 'back-off 40s restarting failed container',
                },
              },
              lastState: { terminated: { exitCode: 1, reason: 'Error' } },
            },
          ],
        }),
      ),
    ).toEqual([
      'container main waiting: CrashLoopBackOff: back-off 40s restarting failed container (last exit code 1, Error, 4 restarts)',
    ]);
    expect(
      podProblems(
        pod('b', {
          phase: 'Pending',
          initContainerStatuses: [
            {
              name: 'migrate',
              image: 'x',
              imageID: '',
              ready: false,
              restartCount: 0,
              state: { terminated: { exitCode: 2, reason: 'Error' } },
            },
          ],
          containerStatuses: [
            {
              name: 'main',
              image: 'x',
              imageID: '',
              ready: false,
              restartCount: 0,
              state: { waiting: { reason: 'PodInitializing' } },
            },
          ],
        }),
      ),
    ).toEqual(['init container migrate terminated: Error (exit code 2)']);
  });

  it('groups identical problems of several pods', () => {
    const pull = (name: string) =>
      pod(name, {
        phase: 'Pending',
        containerStatuses: [
          {
            name: 'main',
            image: 'x',
            imageID: '',
            ready: false,
            restartCount: 0,
            state: {
              waiting: {
                reason: 'ImagePullBackOff',
                message: 'Back-off pulling image "x"',
              },
            },
          },
        ],
      });
    expect(summarizePodProblems([pull('p1'), pull('p2')])).toEqual([
      '2 pods (p1, p2): container main waiting: ImagePullBackOff: Back-off pulling image "x"',
    ]);
  });

  it('matches label selectors with expressions', () => {
    const selector = {
      matchLabels: { app: 'web' },
      matchExpressions: [
        { key: 'tier', operator: 'In', values: ['a', 'b'] },
        { key: 'canary', operator: 'DoesNotExist' },
      ],
    };
    expect(matchesSelector(selector, { app: 'web', tier: 'a' })).toBe(true);
    expect(matchesSelector(selector, { app: 'web', tier: 'c' })).toBe(false);
    expect(
      matchesSelector(selector, { app: 'web', tier: 'a', canary: 'y' }),
    ).toBe(false);
    expect(matchesSelector(undefined, { app: 'web' })).toBe(false);
  });

  it('does not count a Deployment as ready while replicas of its old ReplicaSet are left', () => {
    const rolling = {
      metadata: { generation: 2 },
      spec: { replicas: 1 },
      status: {
        observedGeneration: 2,
        replicas: 2,
        updatedReplicas: 1,
        availableReplicas: 1,
        conditions: [{ type: 'Available', status: 'True' }],
      },
    };
    expect(readinessOf('Deployment', rolling)).toEqual({
      ready: false,
      summary: '1/1 available, 1/1 updated, 1 old replica(s) left',
    });
    rolling.status.replicas = 1;
    expect(readinessOf('Deployment', rolling).ready).toBe(true);
  });

  it('needs the new generation observed before a Deployment counts as ready', () => {
    const deployment = {
      metadata: { generation: 3 },
      spec: { replicas: 2 },
      status: {
        observedGeneration: 2,
        updatedReplicas: 2,
        availableReplicas: 2,
        conditions: [{ type: 'Available', status: 'True' }],
      },
    };
    expect(readinessOf('Deployment', deployment).ready).toBe(false);
    deployment.status.observedGeneration = 3;
    expect(readinessOf('Deployment', deployment).ready).toBe(true);
    expect(
      readinessOf('Job', {
        status: {
          conditions: [
            { type: 'Failed', status: 'True', reason: 'BackoffLimitExceeded' },
          ],
        },
      } as any).failed,
    ).toBe('Job failed: BackoffLimitExceeded');
    expect(readinessOf('ConfigMap', { metadata: {} }).ready).toBe(true);
  });
});
