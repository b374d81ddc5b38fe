export { RoutingWriter } from './RoutingWriter';
export type {
  FeatureRoutingInput,
  RoutingWriterOptions,
  ServiceRoutingRef,
  ServiceRoutingState,
} from './RoutingWriter';
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
