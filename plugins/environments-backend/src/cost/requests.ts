import type { KubernetesObject } from '@kubernetes/client-node';

/** What workloads ask the scheduler for while they run: pods, CPU cores and memory in GiB. */
export interface Requests {
  pods: number;
  cpu: number;
  memoryGiB: number;
}

export const NO_REQUESTS: Requests = { pods: 0, cpu: 0, memoryGiB: 0 };

const SUFFIXES: Record<string, number> = {
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
};

/** A Kubernetes quantity (`250m`, `1.5`, `512Mi`, `1G`) as a number; 0 when absent or not one. */
export function quantity(value: unknown): number {
  const match = /^([0-9]+(?:\.[0-9]+)?)([a-zA-Z]*)$/.exec(String(value ?? ''));
  if (!match) return 0;
  const factor = match[2] ? SUFFIXES[match[2]] : 1;
  return factor === undefined ? 0 : Number(match[1]) * factor;
}

/** The pods a workload keeps running: replicas of a Deployment or StatefulSet (1 when unset), 1 for a Pod. */
function runningPods(object: KubernetesObject): number {
  const spec = (object as { spec?: { replicas?: number } }).spec;
  switch (object.kind) {
    case 'Deployment':
    case 'StatefulSet':
    case 'ReplicaSet':
      return spec?.replicas ?? 1;
    case 'Pod':
      return 1;
    default:
      // Jobs and CronJobs run to completion; DaemonSets are the nodes' cost, not an environment's.
      return 0;
  }
}

function podSpecOf(object: KubernetesObject): any {
  const spec = (object as { spec?: any }).spec;
  return object.kind === 'Pod' ? spec : spec?.template?.spec;
}

/** The requests of the long-running workloads among `objects`: replicas × the containers' requests. */
export function requestsOf(objects: KubernetesObject[]): Requests {
  const total = { ...NO_REQUESTS };
  for (const object of objects) {
    const pods = runningPods(object);
    if (!pods) continue;
    const containers: any[] = podSpecOf(object)?.containers ?? [];
    total.pods += pods;
    for (const container of containers) {
      const requests = container?.resources?.requests ?? {};
      total.cpu += pods * quantity(requests.cpu);
      total.memoryGiB += (pods * quantity(requests.memory)) / 2 ** 30;
    }
  }
  return total;
}

export function addRequests(a: Requests, b: Requests): Requests {
  return {
    pods: a.pods + b.pods,
    cpu: a.cpu + b.cpu,
    memoryGiB: a.memoryGiB + b.memoryGiB,
  };
}
