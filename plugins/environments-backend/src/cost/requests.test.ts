import { quantity, requestsOf } from './requests';

describe('quantity', () => {
  it('reads CPU and memory quantities as Kubernetes writes them', () => {
    expect(quantity('250m')).toBe(0.25);
    expect(quantity('1.5')).toBe(1.5);
    expect(quantity('512Mi')).toBe(512 * 2 ** 20);
    expect(quantity('1Gi')).toBe(2 ** 30);
    expect(quantity('1G')).toBe(1e9);
    expect(quantity(undefined)).toBe(0);
    expect(quantity('lots')).toBe(0);
  });
});

describe('requestsOf', () => {
  const workload = (
    kind: string,
    replicas: number | undefined,
    cpu: string,
    memory: string,
  ) => ({
    apiVersion: 'apps/v1',
    kind,
    metadata: { name: kind.toLowerCase() },
    spec: {
      ...(replicas === undefined ? {} : { replicas }),
      template: {
        spec: {
          containers: [
            { name: 'app', resources: { requests: { cpu, memory } } },
            { name: 'sidecar', resources: { requests: { cpu: '50m' } } },
          ],
        },
      },
    },
  });

  it('adds replicas × the containers’ requests of long-running workloads only', () => {
    expect(
      requestsOf([
        workload('Deployment', 2, '250m', '256Mi'),
        workload('StatefulSet', undefined, '1', '1Gi'),
        // Run to completion: not an environment's standing cost.
        { ...workload('Job', 1, '4', '8Gi'), apiVersion: 'batch/v1' },
        { apiVersion: 'v1', kind: 'Service', metadata: { name: 's' } },
      ]),
    ).toEqual({
      pods: 3,
      // 2 × (0.25 + 0.05) + 1 × (1 + 0.05)
      cpu: expect.closeTo(1.65, 9),
      // 2 × 0.25 + 1 × 1
      memoryGiB: 1.5,
    });
  });
});
