/*
 * The envmesh backend's request and response models, generated from
 * `plugins/environments-backend/src/schema/openapi.yaml` into `@envmesh/plugin-environments-common/client`
 * (`yarn generate:openapi` in the backend), and the shared types of the common package.
 */
export type {
  DiffEntry,
  DriftEntry,
  EnvironmentStatus,
  MergedValues,
  ObjectRef,
  ServiceStatus,
  WorkloadStatus,
  OperationState,
  OperationStep,
  OperationType,
  RouteHop,
  RouteTrace,
  TraceRouteRequest,
  ValuesLayerName as ValuesLayer,
  Revision,
  ServiceDefinition,
} from '@envmesh/plugin-environments-common';

export type {
  CopyEnvironmentRequest,
  CreateEnvironmentRequest,
  DiffResult,
  Environment,
  EnvironmentCost,
  EnvironmentLifecycle,
  EnvironmentReachability,
  FeatureCost,
  FeatureReachability,
  InstanceReachability,
  SleepSchedule,
  SleepWindow,
  UpdateLifecycleRequest,
  Operation,
  OperationLogLine,
  SecretInput,
  UpdateEnvironmentRequest,
} from '@envmesh/plugin-environments-common/client';

/** Helm values: a YAML map, as JSON (`ValuesObject` of the spec, which the generator inlines). @public */
export type ValuesObject = { [key: string]: any };
