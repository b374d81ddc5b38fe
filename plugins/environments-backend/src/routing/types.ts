import { KubernetesObject } from '@kubernetes/client-node';

/** The Istio networking API version envmesh writes. */
export const ISTIO_API_VERSION = 'networking.istio.io/v1';

/** The server-side apply field manager of routing objects (distinct from the release applier's `envmesh`). */
export const ROUTING_MANAGER = 'envmesh-routing';

/** The name prefix of every route envmesh adds to a VirtualService; routes without it belong to the chart. */
export const FEATURE_ROUTE_PREFIX = 'envmesh-';

/** The subset (and generated route name) of the base instance. */
export const DEFAULT_SUBSET = 'default';

/** The routing header, as users write it; matches use it lower-cased (Istio requires lower-case keys). */
export const DEFAULT_FEATURE_HEADER = 'X-FEATURE-NAME';

/** Istio StringMatch: exactly one of the fields. */
export interface StringMatch {
  exact?: string;
  prefix?: string;
  regex?: string;
}

/** Istio HTTPMatchRequest; fields envmesh does not touch are carried as they are. */
export interface HTTPMatchRequest {
  headers?: Record<string, StringMatch>;
  [field: string]: unknown;
}

interface Destination {
  host: string;
  subset?: string;
  port?: { number?: number };
}

interface HTTPRouteDestination {
  destination: Destination;
  weight?: number;
  [field: string]: unknown;
}

/** Istio HTTPRoute; timeout, retries, rewrite, headers... are carried as they are. */
export interface HTTPRoute {
  name?: string;
  match?: HTTPMatchRequest[];
  route?: HTTPRouteDestination[];
  [field: string]: unknown;
}

export interface VirtualService extends KubernetesObject {
  spec: {
    hosts?: string[];
    gateways?: string[];
    http?: HTTPRoute[];
    [field: string]: unknown;
  };
}

interface Subset {
  name: string;
  labels?: Record<string, string>;
  [field: string]: unknown;
}

export interface DestinationRule extends KubernetesObject {
  spec: {
    host: string;
    subsets?: Subset[];
    [field: string]: unknown;
  };
}

export type { RoutingTarget } from '@envmesh/plugin-environments-node';

/** How feature requests are recognised. */
export interface MatchOptions {
  /** The routing header (default `X-FEATURE-NAME`); lower-cased in matches. */
  headerName?: string;
  /** Also match a W3C `baggage` entry (see {@link baggageRegex}); off by default. */
  baggage?: boolean;
  /** The baggage key (default: the lower-cased header name). */
  baggageKey?: string;
}
