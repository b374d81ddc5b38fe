import type { RoutingSetChange } from './RoutingDriver';
import { HostPod, readyFeatures } from './hostPods';
import { RoutingTarget } from './types';
import { RoutingViolationError } from './validateRouting';

/** The feature set after one change. */
function applyChange(
  change: Pick<RoutingSetChange<string>, 'add' | 'remove' | 'replace'>,
  current: Set<string>,
): Set<string> {
  if (change.replace) return new Set(change.replace);
  const next = new Set(current);
  change.add?.forEach(f => next.add(f));
  change.remove?.forEach(f => next.delete(f));
  return next;
}

export function sameSet(a: Set<string>, b: Set<string>): boolean {
  return a.size === b.size && [...a].every(x => b.has(x));
}

/** No route to a feature none of whose instance pods is ready (a 503 for its requests). */
function notReady(target: RoutingTarget, features: string[]) {
  return new RoutingViolationError(
    features.map(subset => ({
      code: 'subset-not-ready' as const,
      subset,
      message: `no route to ${
        target.mode === 'service' ? 'the instance' : 'subset'
      } ${subset} of ${target.host}: none of its pods is ready`,
    })),
  );
}

/**
 * Applies the `routes` changes in order, each against the routes the ones before it left, and answers the
 * routes they give. A change that routes a feature anew without its backend (a DR subset, an instance
 * Service), or with no ready pod, gets an error instead; only what it routes anew is checked, so a routed
 * instance that went down does not block the others. Without `pods`, readiness is not checked.
 */
export function planRouteChanges<E extends Error>(
  input: {
    target: RoutingTarget;
    changes: RoutingSetChange<string>[];
    pods?: HostPod[];
  },
  errors: Array<E | RoutingViolationError | undefined>,
  routesBefore: Set<string>,
  backends: {
    has: (feature: string) => boolean;
    /** The error of a change that routes these features, which have no backend. */
    missing: (features: string[]) => E;
  },
): Set<string> {
  const { target, changes } = input;
  const ready = input.pods && readyFeatures(target, input.pods);
  let routes = new Set(routesBefore);
  changes.forEach((c, i) => {
    if (c.set !== 'routes' || errors[i]) return;
    const next = applyChange(c, routes);
    const added = [...next].filter(f => !routes.has(f));
    const missing = added.filter(f => !backends.has(f));
    const unready = added.filter(
      f => backends.has(f) && ready && !ready.has(f),
    );
    if (missing.length) {
      errors[i] = backends.missing(missing);
    } else if (unready.length) {
      errors[i] = notReady(target, unready);
    } else routes = next;
  });
  return routes;
}

/**
 * Applies the changes of the backend set (`set`, a change of the other kind is passed over) in order, and
 * answers the backends they leave. A change that would take away the backend of a route in `routes` gets an
 * error instead.
 */
export function planBackendRemovals<E extends Error>(options: {
  set: string;
  changes: RoutingSetChange<string>[];
  errors: Array<E | undefined>;
  backendsBefore: Set<string>;
  routes: Set<string>;
  stillRouted: (features: string[]) => E;
}): Set<string> {
  const { changes, errors, routes } = options;
  let backends = new Set(options.backendsBefore);
  changes.forEach((c, i) => {
    if (c.set !== options.set || errors[i]) return;
    const next = applyChange(c, backends);
    const routed = [...backends].filter(f => !next.has(f) && routes.has(f));
    if (routed.length) {
      errors[i] = options.stillRouted(routed);
    } else backends = next;
  });
  return backends;
}
