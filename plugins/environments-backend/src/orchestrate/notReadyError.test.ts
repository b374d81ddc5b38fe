import { notReadyReport } from './notReadyError';

const ref = (name: string) => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  namespace: 'fleet',
  name,
});

describe('notReadyReport', () => {
  it('tells services failing for one cause once, naming the first few, and every service in its lines', () => {
    const unschedulable = (pods: string) =>
      `0/1 replicas ready; ${pods}: Unschedulable: 0/2 nodes are available: 2 Insufficient cpu.`;
    const workloads = [
      ...Array.from({ length: 78 }, (_, i) => ({
        ref: ref(`svc-${String(i).padStart(2, '0')}`),
        service: `svc-${String(i).padStart(2, '0')}`,
        reason: unschedulable(
          i % 2 ? `pod svc-${i}-abc` : `2 pods (svc-${i}-a, svc-${i}-b)`,
        ),
      })),
      {
        ref: ref('broken'),
        service: 'broken',
        reason:
          '0/1 replicas ready; pod broken-x: container app: ImagePullBackOff',
      },
    ];
    const report = notReadyReport(workloads, 'after 300000 ms');
    expect(report.error).toBe(
      '79 service(s) not ready after 300000 ms: 78 (svc-00, svc-01, svc-02, …): Unschedulable: 0/2 nodes are available: 2 Insufficient cpu. | 1 (broken): container app: ImagePullBackOff',
    );
    expect(report.lines).toHaveLength(79);
    expect(report.lines[78]).toBe(
      'service broken not ready (Deployment fleet/broken): 0/1 replicas ready; pod broken-x: container app: ImagePullBackOff',
    );
  });

  it('keeps a reason without pod problems as it is', () => {
    expect(
      notReadyReport(
        [
          {
            ref: ref('a'),
            service: 'a',
            reason: 'not found in namespace fleet',
          },
        ],
        'and never will be',
      ).error,
    ).toBe(
      '1 service(s) not ready and never will be: 1 (a): not found in namespace fleet',
    );
  });
});
