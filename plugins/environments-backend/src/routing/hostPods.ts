import type { KubernetesObject } from '@kubernetes/client-node';
import {
  DynamicClient,
  ListFreshness,
  isApiStatus,
} from '../apply/DynamicClient';
import { LABELS } from '../apply/types';
import { INSTANCE_LABEL } from '../naming';
import { DEFAULT_SUBSET, RoutingTarget } from './types';
import { instanceLabel } from './routingModel';
import type { RoutingViolation } from './validateRouting';

/** A pod as routing checks it: its labels and whether it is ready. */
export interface HostPod {
  name: string;
  labels: Record<string, string>;
  ready: boolean;
}

function hostPod(pod: KubernetesObject): HostPod {
  const conditions: Array<{ type: string; status: string }> =
    (pod as any).status?.conditions ?? [];
  return {
    name: pod.metadata?.name ?? '',
    labels: pod.metadata?.labels ?? {},
    ready:
      !pod.metadata?.deletionTimestamp &&
      conditions.some(c => c.type === 'Ready' && c.status === 'True'),
  };
}

/**
 * The pods behind a host that routing checks before it adds: those its Service's selector (the instance label
 * aside) selects that carry the base instance label or one of `features` (the features being added), plus
 * any base pod of the service outside `default`. Two narrow LISTs, not every pod of the service: a host with
 * hundreds of features stays cheap.
 * Undefined when the Service does not exist, has no selector or selects none of these pods (an environment
 * asleep, workloads not envmesh's): nothing can be checked then.
 */
export async function readHostPods(
  client: DynamicClient,
  namespace: string,
  target: RoutingTarget,
  features: string[],
  freshness?: ListFreshness,
): Promise<HostPod[] | undefined> {
  let service: KubernetesObject;
  try {
    service = await client.read({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: target.host, namespace },
    });
  } catch (error) {
    if (isApiStatus(error, 404)) return undefined;
    throw error;
  }
  const selector: Record<string, string> = (service as any).spec?.selector;
  if (!selector || !Object.keys(selector).length) return undefined;
  // The instance label is what tells the subsets apart (a `service`-mode base Service selects on it).
  const base = Object.entries(selector)
    .filter(([k]) => k !== INSTANCE_LABEL)
    .map(([k, v]) => `${k}=${v}`);
  const instances = [
    target.baseInstance,
    ...features.map(f => instanceLabel(target, f)),
  ];
  const list = (labelSelector: string[]) =>
    client.listFresh('v1', 'Pod', namespace, {
      labelSelector: labelSelector.join(','),
      freshness,
    });
  const [subsets, outside] = await Promise.all([
    list([...base, `${INSTANCE_LABEL} in (${instances.join(',')})`]),
    list([
      ...base,
      `${LABELS.service}=${target.service ?? target.baseInstance}`,
      `!${LABELS.feature}`,
      `${INSTANCE_LABEL}!=${target.baseInstance}`,
    ]),
  ]);
  const pods = [...subsets.items, ...outside.items];
  return pods.length ? pods.map(hostPod) : undefined;
}

/** The features among the pods that have a ready pod of their instance behind the host. */
export function readyFeatures(
  target: RoutingTarget,
  pods: HostPod[],
): Set<string> {
  const ready = new Set<string>();
  for (const pod of pods) {
    const feature = pod.labels[LABELS.feature];
    if (
      pod.ready &&
      feature &&
      pod.labels[INSTANCE_LABEL] === instanceLabel(target, feature)
    ) {
      ready.add(feature);
    }
  }
  return ready;
}

/**
 * What plain requests would reach that they must not: in `subset` mode the `default` subset must select
 * exactly the base pods behind the host (no feature pod, and every base pod); in `service` mode the base
 * Service must select no feature pod at all (clients without a sidecar use it directly).
 */
export function baseIsolationViolations(
  target: RoutingTarget,
  pods: HostPod[],
): RoutingViolation[] {
  const isFeature = (p: HostPod) => !!p.labels[LABELS.feature];
  const names = (list: HostPod[]) => list.map(p => p.name).join(', ');
  const inDefault = (p: HostPod) =>
    p.labels[INSTANCE_LABEL] === target.baseInstance;
  const leaking = pods.filter(p => isFeature(p) && inDefault(p));
  if (target.mode === 'service') {
    // The base Service selects the base instance label: a feature pod that carries it is its endpoint.
    return leaking.length
      ? [
          {
            code: 'default-not-base',
            message: `Service ${target.host} selects feature pod(s) ${names(
              leaking,
            )}, so plain requests could reach them`,
          },
        ]
      : [];
  }
  // Pods of other releases a chart's Service also selects are the chart's affair, not the base's.
  const release = target.service ?? target.baseInstance;
  const missed = pods.filter(
    p => !isFeature(p) && p.labels[LABELS.service] === release && !inDefault(p),
  );
  const defaultSubset = `subset ${DEFAULT_SUBSET} of ${target.host} (${INSTANCE_LABEL}: ${target.baseInstance})`;
  return [
    { what: 'selects feature', pods: leaking },
    { what: 'misses base', pods: missed },
  ]
    .filter(v => v.pods.length)
    .map(v => ({
      code: 'default-not-base' as const,
      subset: DEFAULT_SUBSET,
      message: `${defaultSubset} ${v.what} pod(s) ${names(v.pods)}`,
    }));
}
