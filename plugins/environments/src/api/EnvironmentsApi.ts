import { createApiRef } from '@backstage/core-plugin-api';
import {
  ClusterSummary,
  EnvironmentSummary,
  FeatureBranchDetails,
} from '@envmesh/plugin-environments-common';
import {
  CopyEnvironmentRequest,
  CreateEnvironmentRequest,
  DiffResult,
  Environment,
  EnvironmentCost,
  EnvironmentLifecycle,
  EnvironmentReachability,
  EnvironmentStatus,
  FeatureCost,
  FeatureReachability,
  MergedValues,
  Operation,
  OperationLogLine,
  Revision,
  RouteTrace,
  ServiceDefinition,
  TraceRouteRequest,
  UpdateEnvironmentRequest,
  UpdateLifecycleRequest,
} from './types';

/**
 * Whether the envmesh backend can reach a cluster, and the Kubernetes version it reports.
 *
 * @public
 */
export interface ClusterStatus {
  reachable: boolean;
  version?: string;
  /** Why the cluster could not be reached, when it could not. */
  error?: string;
}

/**
 * Client for the envmesh backend (`/api/environments`).
 *
 * @public
 */
export interface EnvironmentsApi {
  listEnvironments(): Promise<{ items: EnvironmentSummary[] }>;
  listClusters(): Promise<{ items: ClusterSummary[] }>;
  getClusterStatus(name: string): Promise<ClusterStatus>;
  /** `GET /environments/{name}`: the desired state and the latest operation. */
  getEnvironment(name: string): Promise<Environment>;
  /** `GET /environments/{name}/status`: per service, desired against live and drift. */
  getStatus(name: string): Promise<EnvironmentStatus>;
  /** `GET /environments/{name}/operations`: the latest operations, newest first. */
  listOperations(name: string): Promise<{ items: Operation[] }>;
  /** `GET /operations/{id}`. */
  getOperation(id: string): Promise<Operation>;
  /** `GET /operations/{id}/logs`: the log lines, only those after the sequence number `after` if given. */
  getOperationLogs(
    id: string,
    after?: number,
  ): Promise<{ items: OperationLogLine[] }>;
  /** `GET /environments/{name}/services/{service}/values`: merged values with provenance. */
  getServiceValues(name: string, service: string): Promise<MergedValues>;
  /** `POST /environments/{name}/diff`: what the update would change, by a dry run. */
  diffEnvironment(
    name: string,
    patch: UpdateEnvironmentRequest,
  ): Promise<DiffResult>;
  /** `PATCH /environments/{name}`: changes the environment and answers with the started operation. */
  updateEnvironment(
    name: string,
    patch: UpdateEnvironmentRequest,
  ): Promise<Operation>;
  /** `GET /services`: the service registry, with each service's catalog entity ref where known. */
  listServices(): Promise<{ items: ServiceDefinition[] }>;
  /** `POST /environments`: creates an environment and answers with the started `create` operation. */
  createEnvironment(request: CreateEnvironmentRequest): Promise<Operation>;
  /** `POST /environments/{name}/copy`: answers with the started `copy` operation of the new environment. */
  copyEnvironment(
    name: string,
    request: CopyEnvironmentRequest,
  ): Promise<Operation>;
  /** `DELETE /environments/{name}`: answers with the started `delete` operation. */
  deleteEnvironment(
    name: string,
    options?: { cascade?: boolean },
  ): Promise<Operation>;
  /** `POST /environments/{name}/sleep`: answers with the started `sleep` operation. */
  sleepEnvironment(name: string): Promise<Operation>;
  /** `POST /environments/{name}/wake`: answers with the started `wake` operation. */
  /** With `until`, schedule and idle sleep leave it awake until then. */
  wakeEnvironment(name: string, options?: { until?: Date }): Promise<Operation>;
  /** Its sleep schedule, disposability, last activity and next automatic action. */
  getEnvironmentLifecycle(name: string): Promise<EnvironmentLifecycle>;
  updateEnvironmentLifecycle(
    name: string,
    body: UpdateLifecycleRequest,
  ): Promise<EnvironmentLifecycle>;
  /** Records activity now, so that idle sleep and deletion count from now. */
  keepEnvironment(name: string): Promise<EnvironmentLifecycle>;
  /**
   * `PUT /environments/{name}/secrets/{secret}`: writes values of a declared Secret to the cluster. The values
   * are never returned.
   */
  writeSecretValues(
    name: string,
    secret: string,
    values: Record<string, string>,
  ): Promise<void>;
  /** `GET /environments/{name}/revisions`: the revisions, newest first, of one service if `service` is given. */
  listRevisions(name: string, service?: string): Promise<{ items: Revision[] }>;
  /** `POST /environments/{name}/services/{service}/rollback`: answers with the started `rollback` operation. */
  rollbackService(
    name: string,
    service: string,
    revision: number,
  ): Promise<Operation>;
  /** `GET /environments/{name}/services/{service}/manifest`: the rendered objects as multi-document YAML. */
  getServiceManifest(name: string, service: string): Promise<string>;
  /** `POST /operations/{id}/cancel`: the operation with `cancelRequested` set. */
  cancelOperation(id: string): Promise<Operation>;
  /** `GET /features`: feature branches, of one environment if given. */
  listFeatures(
    environment?: string,
  ): Promise<{ items: FeatureBranchDetails[] }>;
  /** `GET /features/{feature}`: instances, preview URLs and the routing picture. */
  getFeature(name: string): Promise<FeatureBranchDetails>;
  /** `GET /features/{feature}/instances/{service}/values`: the instance's merged values with provenance. */
  getInstanceValues(feature: string, service: string): Promise<MergedValues>;
  /** `POST /features/{feature}/extend`: moves the expiry `hours` later. */
  extendFeature(name: string, hours: number): Promise<FeatureBranchDetails>;
  /** `POST /features/{feature}/redeploy`: answers with the `deploy-feature` operation onto the current base. */
  redeployFeature(name: string): Promise<Operation>;
  /** `DELETE /features/{feature}`: answers with the started `remove-feature` operation. */
  deleteFeature(name: string): Promise<Operation>;
  /** `POST /environments/{name}/routes/trace`: where a request goes, hop by hop, from the live objects. */
  traceRoute(name: string, request: TraceRouteRequest): Promise<RouteTrace>;
  /** `GET /features/{feature}/reachability`: which instances a request with the header reaches from `entry`. */
  getFeatureReachability(
    feature: string,
    entry?: string,
  ): Promise<FeatureReachability>;
  /**
   * `GET /environments/{name}/reachability`: the environment's header propagation, and the pre-flight of a
   * feature with instances of `instances`.
   */
  getEnvironmentReachability(
    name: string,
    options?: { entry?: string; instances?: string[] },
  ): Promise<EnvironmentReachability>;
  /** `GET /environments/{name}/cost`: what it costs over a period (ISO times; the last 7 days by default). */
  getEnvironmentCost(
    name: string,
    period?: CostPeriod,
  ): Promise<EnvironmentCost>;
  /** `GET /features/{feature}/cost`: what a feature branch costs, and its saving against a full copy. */
  getFeatureCost(feature: string, period?: CostPeriod): Promise<FeatureCost>;
}

/**
 * A period of the cost ledger, ISO 8601 times.
 *
 * @public
 */
export interface CostPeriod {
  from?: string;
  to?: string;
}

/**
 * Reference to the {@link EnvironmentsApi}.
 *
 * @public
 */
export const environmentsApiRef = createApiRef<EnvironmentsApi>({
  id: 'plugin.environments.api',
});
