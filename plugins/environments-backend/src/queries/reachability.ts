/** How a service forwards the routing context to the services it calls (annotation `envmesh.io/propagates`). */
export type Propagation = 'header' | 'baggage' | 'none' | 'unknown';

/** One service of the call graph. */
export interface CallGraphNode {
  propagates: Propagation;
  /** The services of the environment it calls. */
  calls: string[];
  /** Whether its pods run a sidecar: without one, its calls are not routed by header at all. */
  sidecar: boolean;
}

/** Why the routing context does not get past a service. */
export type LossReason =
  | 'does-not-forward'
  | 'unknown-propagation'
  | 'no-sidecar';

/** Where a feature instance stands, seen from the entry point. */
export interface InstanceReachability {
  service: string;
  /** Reached with the header intact, by this path of services (the entry first). */
  path?: string[];
  /** Otherwise: the service past which the context was lost on the way to it, and why. */
  lostAt?: { service: string; reason: LossReason };
}

const MESSAGES: Record<LossReason, string> = {
  'does-not-forward': 'does not forward the routing header',
  'unknown-propagation':
    'may not forward the routing header (no envmesh.io/propagates annotation says)',
  'no-sidecar': 'has no sidecar, so its calls are not routed by header',
};

/** A loss reason as a user reads it. */
export function lossMessage(service: string, reason: LossReason): string {
  return `${service} ${MESSAGES[reason]}`;
}

/**
 * Why the routing context does not get past a service, or undefined when it does: it needs a sidecar that routes
 * its calls and to forward the context (`header`, or `baggage` when routes also match the W3C baggage entry).
 */
function lossAt(node: CallGraphNode, baggage: boolean): LossReason | undefined {
  if (!node.sidecar) return 'no-sidecar';
  if (node.propagates === 'unknown') return 'unknown-propagation';
  const forwards =
    node.propagates === 'header' || (baggage && node.propagates === 'baggage');
  return forwards ? undefined : 'does-not-forward';
}

/**
 * Which feature instances a request with the routing context reaches from `entry`, walking the call graph
 * breadth-first (shortest paths first). A request reaches every service it is sent to; it carries the context
 * on from a service only when that service forwards it (`header`, or `baggage` when routes also match the
 * W3C baggage entry) and has a sidecar that routes its calls. An instance that is not reached gets the first
 * place the context was lost on a path to it, or no `lostAt` when nothing calls it from the entry at all.
 */
export function reachability(options: {
  graph: ReadonlyMap<string, CallGraphNode>;
  entry: string;
  instances: string[];
  baggage: boolean;
}): InstanceReachability[] {
  const { graph, entry, baggage } = options;
  const paths = new Map<string, string[]>([[entry, [entry]]]);
  const losses = new Map<string, { service: string; reason: LossReason }>();
  const queue = [entry];
  while (queue.length) {
    const service = queue.shift()!;
    const node = graph.get(service);
    if (!node) continue;
    const reason = lossAt(node, baggage);
    for (const callee of node.calls) {
      if (paths.has(callee)) continue;
      if (reason) {
        if (!losses.has(callee)) losses.set(callee, { service, reason });
        continue;
      }
      paths.set(callee, [...paths.get(service)!, callee]);
      queue.push(callee);
    }
  }
  // What lies behind a service that lost the context is lost there too.
  const behind = [...losses.keys()];
  while (behind.length) {
    const lost = behind.shift()!;
    for (const callee of graph.get(lost)?.calls ?? []) {
      if (paths.has(callee) || losses.has(callee)) continue;
      losses.set(callee, losses.get(lost)!);
      behind.push(callee);
    }
  }
  return [...options.instances].sort().map(service => {
    const path = paths.get(service);
    if (path) return { service, path };
    const lostAt = losses.get(service);
    return lostAt ? { service, lostAt } : { service };
  });
}

/** How the services of an environment carry the routing context, and whose feature instances that hides. */
export interface PropagationSummary {
  /** Services in the call graph. */
  services: number;
  /** Services that say they do not forward it (`none`, or `baggage` without baggage routing). */
  doesNotForward: string[];
  /** Services no annotation describes. */
  unknown: string[];
  /** Services whose pods run no sidecar. */
  withoutSidecar: string[];
  /** Services whose feature instances a request from the entry cannot reach with the context intact. */
  hidden: string[];
  summary: string;
}

/**
 * The environment-wide view of {@link reachability}: which services lose the routing context (each counted
 * once, by its first reason: no sidecar, then unknown, then does not forward) and which services' feature
 * instances they hide from a request entering by `entry`.
 */
export function propagationSummary(options: {
  graph: ReadonlyMap<string, CallGraphNode>;
  entry: string;
  baggage: boolean;
}): PropagationSummary {
  const { graph, baggage } = options;
  const losing: Record<LossReason, string[]> = {
    'no-sidecar': [],
    'unknown-propagation': [],
    'does-not-forward': [],
  };
  for (const [service, node] of [...graph].sort(([a], [b]) =>
    a.localeCompare(b),
  )) {
    const reason = lossAt(node, baggage);
    if (reason) losing[reason].push(service);
  }
  const {
    'no-sidecar': withoutSidecar,
    'unknown-propagation': unknown,
    'does-not-forward': doesNotForward,
  } = losing;
  const hidden = reachability({
    ...options,
    instances: [...graph.keys()],
  })
    .filter(r => r.lostAt)
    .map(r => r.service);
  const lost = doesNotForward.length + unknown.length + withoutSidecar.length;
  return {
    services: graph.size,
    doesNotForward,
    unknown,
    withoutSidecar,
    hidden,
    summary:
      `${lost} of ${graph.size} services may not forward the routing header ` +
      `(${doesNotForward.length} do not, ${unknown.length} do not say, ${withoutSidecar.length} have no sidecar); ` +
      `from ${options.entry} they hide the feature instances of ${hidden.length} others`,
  };
}
