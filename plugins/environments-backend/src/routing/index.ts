export type { ServiceRoutingRef } from './RoutingWriter';

export type { RoutingDriver } from './RoutingDriver';
export { createRoutingDriver } from './createRoutingDriver';

export { routedPort } from './gatewayApiServices';

export * from './gatewayApiTypes';
export { featureSubsets } from './routingModel';

export * from './types';
export { PreviewHostWriter, previewHost } from './previewHosts';
export { withChangedHeaders } from './headerOperations';

export {
  podsBehind,
  readTraceObjects,
  localServiceName,
  traceRequest,
  withoutSidecar,
} from './routeTrace';
export type { RouteTraceObjects } from './routeTrace';
