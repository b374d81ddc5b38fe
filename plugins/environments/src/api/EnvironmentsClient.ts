import { DiscoveryApi, FetchApi } from '@backstage/core-plugin-api';
import { ResponseError } from '@backstage/errors';
import {
  ClusterSummary,
  EnvironmentSummary,
} from '@envmesh/plugin-environments-common';
import { ClusterStatus, EnvironmentsApi } from './EnvironmentsApi';

/**
 * Talks to the envmesh backend through the discovery and fetch APIs, so requests carry the user's token.
 *
 * @public
 */
export class EnvironmentsClient implements EnvironmentsApi {
  readonly #discoveryApi: DiscoveryApi;
  readonly #fetchApi: FetchApi;

  constructor(options: { discoveryApi: DiscoveryApi; fetchApi: FetchApi }) {
    this.#discoveryApi = options.discoveryApi;
    this.#fetchApi = options.fetchApi;
  }

  async listEnvironments(): Promise<{ items: EnvironmentSummary[] }> {
    return this.#get('/environments');
  }

  async listClusters(): Promise<{ items: ClusterSummary[] }> {
    return this.#get('/clusters');
  }

  async getClusterStatus(name: string): Promise<ClusterStatus> {
    return this.#get(`/clusters/${encodeURIComponent(name)}/status`);
  }

  async #get<T>(path: string): Promise<T> {
    const baseUrl = await this.#discoveryApi.getBaseUrl('environments');
    const response = await this.#fetchApi.fetch(`${baseUrl}${path}`);
    if (!response.ok) {
      throw await ResponseError.fromResponse(response);
    }
    return (await response.json()) as T;
  }
}
