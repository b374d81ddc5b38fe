export { RoutingWriter } from './RoutingWriter';
export type {
  FeatureRoutingInput,
  RoutingWriterOptions,
  ServiceRoutingRef,
  ServiceRoutingState,
} from './RoutingWriter';
export { ROUTING_DRIVER_KINDS } from './RoutingDriver';
export type {
  RoutingDriver,
  RoutingDriverKind,
  RoutingDriverOptions,
  RoutingState,
} from './RoutingDriver';
export { createRoutingDriver } from './createRoutingDriver';
export type { CreateRoutingDriverOptions } from './createRoutingDriver';
export { GatewayApiRoutingWriter } from './GatewayApiRoutingWriter';
export type {
  GatewayApiRoutingWriterOptions,
  GatewayRoutingState,
} from './GatewayApiRoutingWriter';
export {
  attachesToHost,
  computeHttpRoutes,
  computeInstanceService,
  defaultServiceName,
  httpRouteName,
  routedPort,
  validateGatewayRouting,
} from './gatewayApiModel';
export type {
  HttpRoutesInput,
  ValidateGatewayRoutingInput,
} from './gatewayApiModel';
export { planGatewayBatch } from './gatewayApiPlan';
export type {
  GatewayBatchPlan,
  GatewayBatchPlanInput,
  GatewayFeatureSetChange,
} from './gatewayApiPlan';
export * from './gatewayApiTypes';
export {
  assertFeatureName,
  computeDestinationRule,
  computeVirtualService,
  featureSubsets,
  instanceLabel,
  isMeshVirtualServiceFor,
  isTargetHost,
  routedFeatures,
  sortFeatures,
} from './routingModel';
export type { ServiceRoutingInput } from './routingModel';
export { baggageRegex, featureMatches, headerKey } from './featureMatch';
export { validateRouting, RoutingViolationError } from './validateRouting';
export type { RoutingViolation, ValidateRoutingInput } from './validateRouting';
export { KeyedBatchQueue } from './KeyedBatchQueue';
export { planBatch } from './batchPlan';
export type { BatchPlan, BatchPlanInput, FeatureSetChange } from './batchPlan';
export * from './types';
export {
  PreviewHostWriter,
  computePreviewVirtualService,
  previewHost,
  previewVirtualServiceName,
} from './previewHosts';
export type { PreviewHostInput } from './previewHosts';
export {
  podsBehind,
  readTraceObjects,
  localServiceName,
  traceRequest,
  withoutSidecar,
} from './routeTrace';
export type { RouteTraceObjects, TracedRequest } from './routeTrace';
