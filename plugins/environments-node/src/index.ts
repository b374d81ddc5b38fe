/**
 * The service ref and extension points through which other backend plugins use envmesh's environments engine.
 *
 * @packageDocumentation
 */

export { environmentsServiceRef } from './EnvironmentsService';
export type {
  EnvironmentsRequestOptions,
  EnvironmentsService,
} from './EnvironmentsService';
// The operation report is the REST API's; kept here for the modules that import it from this package.
export type { OperationReport } from '@envmesh/plugin-environments-common';
export {
  EnvironmentsServiceBridge,
  environmentsServiceBridgeRef,
} from './EnvironmentsServiceBridge';
export { HttpEnvironmentsService } from './HttpEnvironmentsService';
export { environmentsFeatureIsolationExtensionPoint } from './featureIsolation';
export type {
  EnvironmentsFeatureIsolationExtensionPoint,
  FeatureIsolationContext,
  FeatureIsolationHook,
  FeatureIsolationJobTemplate,
} from './featureIsolation';
export {
  createEnvironmentConditionalDecision,
  createFeatureBranchConditionalDecision,
  environmentConditions,
  environmentPermissionResourceRef,
  environmentPermissionRules,
  featureBranchConditions,
  featureBranchPermissionResourceRef,
  featureBranchPermissionRules,
} from './permissions';
export type {
  EnvironmentResource,
  EnvironmentsPermissionQuery,
  FeatureBranchResource,
} from './permissions';
export { ENVIRONMENTS_OPERATIONS_TOPIC } from './events';
export { readScheduleFromConfig } from './schedule';
export type { EnvironmentsOperationEvent } from './events';
export { environmentsPartsExtensionPoint } from './extensions';
export type {
  ActivitySource,
  ChartArchiveRef,
  ChartRenderer,
  CostPrices,
  CostSource,
  EnvironmentsClusterSupplier,
  EnvironmentsPartFactory,
  EnvironmentsPartsExtensionPoint,
  RenderRequest,
} from './extensions';
export type {
  FeatureRoutingInput,
  ReleaseObjectWritten,
  RoutingDriver,
  RoutingDriverKind,
  RoutingEvents,
  RoutingState,
  RoutingTarget,
  ServiceRoutingRef,
} from './routingDriver';
