/*
 * The types the REST API serves are the models generated from the backend's openapi.yaml (re-exported here).
 * By hand only what the spec does not say: names for its enums, and the stored shapes of an operation and a
 * feature branch, without the fields the API derives for its answers (progress; preview URLs, routing and how
 * far its base moved).
 */
import type {
  DiffEntryActionEnum,
  EnvironmentRouting,
  FeatureBranch as FeatureBranchDetails,
  FeatureInstance,
  Operation as OperationReport,
} from './schema/openapi/generated';

export type {
  BehindBase,
  BehindBaseChangedEnum,
  CertificateSpec,
  CertificateSpecIssuerRef,
  CertificateSpecIssuerRefKindEnum,
  ChartSource,
  ChartSourceTypeEnum,
  ClusterSummary,
  ConfigMapSpec,
  DiffEntry,
  DiffEntryActionEnum,
  DriftEntry,
  DriftEntryChangeEnum,
  EnvironmentLifecycle,
  EnvironmentRouting,
  EnvironmentRoutingModeEnum,
  EnvironmentServiceSpec,
  EnvironmentSpec,
  EnvironmentSpecConfig,
  EnvironmentSpecResources,
  EnvironmentStatus,
  EnvironmentSummary,
  EnvironmentSummaryServices,
  FeatureBranchRoutingInner,
  FeatureBranchRoutingInnerTargetEnum,
  FeatureInstance,
  FeatureInstanceSpec,
  FeatureInstanceStateEnum,
  FeatureSource,
  GatewaySpec,
  GatewaySpecTls,
  LifecycleAction,
  LifecycleActionActionEnum,
  LifecycleActionReasonEnum,
  LifecycleSettings,
  ObjectRef,
  OperationProgress,
  OperationStateEnum,
  OperationStep,
  OperationStepStateEnum,
  OperationTypeEnum,
  Revision,
  RouteHop,
  RouteHopDestination,
  RouteHopRule,
  RouteTrace,
  SecretSpec,
  ServiceDefinition,
  ServiceDefinitionChart,
  ServiceDefinitionImage,
  ServiceDefinitionPropagatesEnum,
  ServicePin,
  ServiceStatus,
  SleepReason,
  SleepSchedule,
  SleepState,
  SleepWindow,
  TraceRouteRequest,
  UpdateLifecycleRequest,
  WakeRequest,
  WorkloadStatus,
  // The API's answers: a feature branch with its preview URLs and routing, an operation with its progress.
  FeatureBranch as FeatureBranchDetails,
  Operation as OperationReport,
} from './schema/openapi/generated';

/**
 * How an environment routes feature requests (see docs/feature-branches.md):
 * - `subset`: a DestinationRule subset per feature of the base Service, header route → subset;
 * - `service`: a Service per feature instance, header route → its host; the base Service never selects a
 *   feature pod, so clients without a sidecar reach base pods only.
 *
 * @public
 */
export type RoutingMode = EnvironmentRouting['mode'];

/** @public */
export type OperationType = OperationReport['type'];

/** @public */
export type OperationState = OperationReport['state'];

/** @public */
export type FeatureInstanceState = FeatureInstance['state'];

/** What applying would do to an object. @public */
export type DiffAction = DiffEntryActionEnum;

/**
 * An operation as stored: the API's operation report without what it derives (progress, the cancel request).
 *
 * @public
 */
export type Operation = Omit<OperationReport, 'cancelRequested' | 'progress'>;

/**
 * A feature branch as stored: feature instances of some services of a base environment, reached by the
 * routing header (`X-FEATURE-NAME: <name>`) or the preview host `<name>.<previewDomain>`.
 *
 * @public
 */
export type FeatureBranch = Omit<
  FeatureBranchDetails,
  'previewUrls' | 'routing' | 'routingHeader' | 'behindBase'
>;
