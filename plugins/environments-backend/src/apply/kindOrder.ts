/**
 * The order in which a release's kinds are applied: what others depend on first (namespace, CRDs, cluster
 * config, cert-manager config that produces Secrets, ConfigMaps and Secrets, identities, Services), then
 * workloads, then the Istio / Gateway API routing kinds, whose routes should only point at what exists.
 * Unknown kinds (other custom resources) come last. Deletion runs in the reverse order.
 */
const ORDER: string[][] = [
  ['Namespace'],
  ['CustomResourceDefinition'],
  [
    'PriorityClass',
    'ResourceQuota',
    'LimitRange',
    'NetworkPolicy',
    'StorageClass',
    'PersistentVolume',
  ],
  ['ClusterIssuer', 'Issuer', 'Certificate'],
  ['ConfigMap', 'Secret'],
  ['ServiceAccount'],
  ['ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding'],
  ['PersistentVolumeClaim'],
  ['Service'],
  ['PodDisruptionBudget'],
  [
    'DaemonSet',
    'Deployment',
    'StatefulSet',
    'ReplicaSet',
    'ReplicationController',
    'Pod',
    'CronJob',
    'Job',
  ],
  ['HorizontalPodAutoscaler', 'IngressClass', 'Ingress'],
  [
    'Gateway',
    'DestinationRule',
    'ServiceEntry',
    'Sidecar',
    'PeerAuthentication',
    'RequestAuthentication',
    'AuthorizationPolicy',
    'EnvoyFilter',
  ],
  ['VirtualService', 'HTTPRoute', 'GRPCRoute', 'TCPRoute', 'TLSRoute'],
];

const RANK = new Map<string, number>(
  ORDER.flatMap((kinds, rank) => kinds.map(kind => [kind, rank] as const)),
);

/** The apply rank of a kind (lower first). */
export function kindRank(kind: string): number {
  return RANK.get(kind) ?? ORDER.length;
}

/** Items grouped by kind rank, groups in apply order (or reverse order for deletion). */
export function groupByRank<T>(
  items: T[],
  kindOf: (item: T) => string,
  reverse = false,
): T[][] {
  const groups = new Map<number, T[]>();
  for (const item of items) {
    const rank = kindRank(kindOf(item));
    const group = groups.get(rank);
    if (group) group.push(item);
    else groups.set(rank, [item]);
  }
  const ranks = [...groups.keys()].sort((a, b) => (reverse ? b - a : a - b));
  return ranks.map(rank => groups.get(rank)!);
}

/** Kinds deleted with foreground propagation (their pods go before they do). */
export const WORKLOAD_KINDS = new Set(ORDER[10]);
