import { KubernetesObject, V1Service } from '@kubernetes/client-node';

/** The Gateway API version the Gateway API driver writes. */
export const GATEWAY_API_VERSION = 'gateway.networking.k8s.io/v1';

/**
 * The label that ties the Gateway API driver's objects (its HTTPRoutes and the per-instance Services) to the
 * routed host; objects without it are somebody else's.
 */
export const ROUTING_HOST_LABEL = 'envmesh.io/routing-host';

/**
 * The most rules one HTTPRoute may hold (`spec.rules` has `maxItems: 16` in Gateway API v1); the driver
 * spreads further features over more HTTPRoutes of the same parent.
 */
export const MAX_HTTP_ROUTE_RULES = 16;

/** Gateway API ParentReference; a mesh (GAMMA) route's parent is a Service (`group: ''`). */
export interface ParentReference {
  group?: string;
  kind?: string;
  namespace?: string;
  name: string;
  port?: number;
  sectionName?: string;
}

/** Gateway API HTTPHeaderMatch; `type` defaults to `Exact`. */
export interface HTTPHeaderMatch {
  type?: 'Exact' | 'RegularExpression';
  name: string;
  value: string;
}

/** Gateway API HTTPRouteMatch; fields the driver does not write are carried as they are. */
export interface HTTPRouteMatch {
  headers?: HTTPHeaderMatch[];
  [field: string]: unknown;
}

/** Gateway API HTTPBackendRef to a Service (`port` is required for Services). */
export interface HTTPBackendRef {
  group?: string;
  kind?: string;
  namespace?: string;
  name: string;
  port?: number;
  weight?: number;
  [field: string]: unknown;
}

export interface HTTPRouteRule {
  matches?: HTTPRouteMatch[];
  backendRefs?: HTTPBackendRef[];
  [field: string]: unknown;
}

/** A Gateway API HTTPRoute (named so as not to clash with the Istio route entry type `HTTPRoute`). */
export interface GatewayHTTPRoute extends KubernetesObject {
  spec: {
    parentRefs?: ParentReference[];
    hostnames?: string[];
    rules?: HTTPRouteRule[];
    [field: string]: unknown;
  };
}

/** A core Service as the API server returns it (plain JSON). */
export type KubeService = V1Service;
