import { createApiRef } from '@backstage/core-plugin-api';
import {
  ClusterSummary,
  EnvironmentSummary,
} from '@envmesh/plugin-environments-common';

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
}

/**
 * Reference to the {@link EnvironmentsApi}.
 *
 * @public
 */
export const environmentsApiRef = createApiRef<EnvironmentsApi>({
  id: 'plugin.environments.api',
});
