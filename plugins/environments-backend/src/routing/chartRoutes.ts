import { KubernetesObject } from '@kubernetes/client-node';
import {
  computeVirtualService,
  gatewayVirtualServicesFor,
  isMeshVirtualServiceFor,
  routedFeatures,
} from './routingModel';
import { MatchOptions, RoutingTarget, VirtualService } from './types';

/** A target host with the live routing the driver keeps for it. */
export interface RoutedTarget extends RoutingTarget {
  /** The features the host's live mesh VS routes. */
  features: Set<string>;
  /** Whether routing is active on the host (a DR in `subset` mode): plain requests are pinned to `default`. */
  active: boolean;
}

function isVirtualService(object: KubernetesObject): object is VirtualService {
  return (
    object.kind === 'VirtualService' &&
    (object.apiVersion ?? '').startsWith('networking.istio.io/')
  );
}

/**
 * A chart's objects with the feature routes routing keeps in its VirtualServices (mesh and gateway-bound,
 * to a routed host): the chart's `http` list plus the feature copies and `default` pins the routing writer
 * made. Applied this way, a base update takes no route away even for a moment, and the apply and the routing
 * writer agree on the list. Everything else of the rendered VS (metadata, other fields) is kept as rendered.
 */
export function withFeatureRoutes(
  objects: KubernetesObject[],
  targets: RoutedTarget[],
  match: MatchOptions,
): KubernetesObject[] {
  const active = targets.filter(t => t.active);
  if (!active.length) return objects;
  return objects.map(object => {
    if (!isVirtualService(object)) return object;
    let vs = object;
    for (const target of active) {
      const mesh = isMeshVirtualServiceFor(vs, target);
      if (!mesh && !gatewayVirtualServicesFor([vs], target).length) continue;
      const computed = computeVirtualService({
        ...target,
        ...match,
        features: target.features,
        virtualService: vs,
      });
      vs = { ...vs, spec: { ...vs.spec, http: computed.spec.http } };
    }
    return vs;
  });
}

/** The features each target's live mesh VS routes, from the namespace's live VSs. */
export function liveFeatures(
  target: RoutingTarget,
  virtualServices: VirtualService[],
): Set<string> {
  return routedFeatures(
    virtualServices.find(v => isMeshVirtualServiceFor(v, target)),
  );
}
