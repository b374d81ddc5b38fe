import { KubeConfig, KubernetesObject } from '@kubernetes/client-node';
import {
  EnvironmentSpec,
  RoutingMode,
} from '@envmesh/plugin-environments-common';
import { serviceSelections } from '../features';
import { RoutingDriver, ServiceRoutingRef } from '../routing';

/**
 * How a base release is isolated from its feature instances (see isolateBaseRelease): the environment's
 * routing mode with the Istio driver; with the Gateway API driver always `service`, since it routes to
 * per-instance Services and a base Service must then select base pods only, whoever calls it.
 */
export function isolationMode(
  routing: RoutingDriver,
  env: EnvironmentSpec,
): RoutingMode {
  return routing.kind === 'istio' ? env.routing?.mode ?? 'subset' : 'service';
}

/** The routing of one host of a service in the environment's namespace. */
export function hostRef(
  routing: RoutingDriver,
  env: EnvironmentSpec,
  service: string,
  kubeConfig: KubeConfig,
  host: { host: string; baseInstance?: string },
): ServiceRoutingRef {
  return {
    kubeConfig,
    namespace: env.namespace,
    environment: env.name,
    host: host.host,
    baseInstance: host.baseInstance ?? service,
    service,
    mode: isolationMode(routing, env),
  };
}

/**
 * The hosts a service's feature instances are routed on, from its base release as rendered: each Service
 * that selects the release's pods, with the instance label its base pods carry (the `default` subset).
 * Throws an InputError for a Service no subset can route (see serviceSelections).
 */
export function routingRefs(
  routing: RoutingDriver,
  env: EnvironmentSpec,
  service: string,
  objects: KubernetesObject[],
  kubeConfig: KubeConfig,
): ServiceRoutingRef[] {
  return serviceSelections(objects).map(s =>
    hostRef(routing, env, service, kubeConfig, s),
  );
}

/**
 * A base release as it is applied and diffed: with the feature routes routing keeps in the chart's own
 * routes (VirtualServices, gateway-bound HTTPRoutes), so that re-applying the chart takes none away (see
 * RoutingDriver.withRoutes).
 */
export async function withLiveRoutes(
  routing: RoutingDriver,
  env: EnvironmentSpec,
  service: string,
  objects: KubernetesObject[],
  kubeConfig: KubeConfig,
): Promise<KubernetesObject[]> {
  const routes = new Set(['VirtualService', 'HTTPRoute']);
  if (!objects.some(o => routes.has(o.kind ?? ''))) return objects;
  let refs: ServiceRoutingRef[];
  try {
    refs = routingRefs(routing, env, service, objects, kubeConfig);
  } catch {
    // A Service no subset can route: no feature of the service is routed, so there is nothing to keep.
    return objects;
  }
  return routing.withRoutes(objects, refs);
}
