import { ConflictError } from '@backstage/errors';
import { isMeshVirtualServiceFor, isTargetHost } from './routingModel';
import { DestinationRule, RoutingTarget, VirtualService } from './types';

/**
 * What is wrong with a service's routing: for Istio (a VS/DR pair) named after the analyzer message it would
 * raise, for Gateway API (HTTPRoutes and instance Services) see validateGatewayRouting.
 */
export interface RoutingViolation {
  code:
    | 'missing-subset' // IST0101: referenced host+subset not found in the DestinationRule
    | 'subset-not-ready' // IST0173: the subset selects no ready pods (503 UH); only new routes are checked
    | 'duplicate-virtual-service' // IST0109: sidecars do not merge VSs of one host
    | 'missing-backend' // Gateway API: a rule's backendRef names a Service that does not exist
    | 'foreign-http-route' // Gateway API: another HTTPRoute has the host's Service as parent
    | 'too-many-rules' // Gateway API: an HTTPRoute over the API's rule limit
    | 'name-taken' // Gateway API: an object the driver needs exists and is somebody else's
    | 'default-not-base'; // plain requests to the host could reach a feature pod, or miss a base pod
  message: string;
  subset?: string;
  /** The route: a VS route's name, or an HTTPRoute's name. */
  route?: string;
  virtualServices?: string[];
  /** Gateway API: the feature's instance Service (or another object name) concerned. */
  backend?: string;
  httpRoutes?: string[];
}

export interface ValidateRoutingInput {
  target: RoutingTarget;
  /**
   * The VSs to write, or every VS of the namespace: mesh VSs for the target host are checked for duplicates,
   * every route to the host for its subset.
   */
  vs: VirtualService | VirtualService[];
  dr?: DestinationRule;
}

/**
 * Checks the shape of routing before it is written (the pods behind it are checked by planBatch, see
 * hostPods); an empty list means it may be written.
 */
export function validateRouting({
  target,
  vs,
  dr,
}: ValidateRoutingInput): RoutingViolation[] {
  const all = Array.isArray(vs) ? vs : [vs];
  const forHost = all.filter(v => isMeshVirtualServiceFor(v, target));
  const violations: RoutingViolation[] = [];
  if (forHost.length > 1) {
    const names = forHost.map(v => v.metadata?.name ?? '').sort();
    violations.push({
      code: 'duplicate-virtual-service',
      message: `host ${target.host} has ${
        forHost.length
      } mesh VirtualServices (${names.join(', ')}); sidecars do not merge them`,
      virtualServices: names,
    });
  }
  const defined = new Set((dr?.spec?.subsets ?? []).map(s => s.name));
  const reported = new Set<string>();
  // Subsets are checked in every VS given, gateway-bound ones included.
  for (const v of all) {
    for (const route of v.spec.http ?? []) {
      for (const { destination } of route.route ?? []) {
        const subset = destination?.subset;
        if (!subset || !isTargetHost(destination.host, target)) continue;
        const key = `${route.name}/${subset}`;
        if (reported.has(key)) continue;
        reported.add(key);
        const where = `route ${route.name ?? '(unnamed)'} of VirtualService ${
          v.metadata?.name
        }`;
        if (!defined.has(subset)) {
          violations.push({
            code: 'missing-subset',
            message: `${where} targets subset ${subset}, which the DestinationRule of ${target.host} does not define`,
            subset,
            route: route.name,
          });
        }
      }
    }
  }
  return violations;
}

/** Routing was not written because it would have been wrong (a 409 through Backstage's error handler). */
export class RoutingViolationError extends ConflictError {
  readonly violations: RoutingViolation[];

  constructor(violations: RoutingViolation[]) {
    super(violations.map(v => v.message).join('; '));
    this.violations = violations;
  }
}
