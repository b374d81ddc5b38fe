import { createApiRef } from '@backstage/core-plugin-api';
import {
  ClusterSummary,
  EnvironmentSummary,
} from '@envmesh/plugin-environments-common';
import {
  DiffResult,
  Environment,
  EnvironmentStatus,
  MergedValues,
  Operation,
  OperationLogLine,
  UpdateEnvironmentRequest,
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
}

/**
 * Reference to the {@link EnvironmentsApi}.
 *
 * @public
 */
export const environmentsApiRef = createApiRef<EnvironmentsApi>({
  id: 'plugin.environments.api',
});
