import { DiscoveryApi, FetchApi } from '@backstage/core-plugin-api';
import { ResponseError } from '@backstage/errors';
import {
  ClusterSummary,
  EnvironmentSummary,
} from '@envmesh/plugin-environments-common';
import { ClusterStatus, EnvironmentsApi } from './EnvironmentsApi';
import {
  DiffResult,
  Environment,
  EnvironmentStatus,
  MergedValues,
  Operation,
  OperationLogLine,
  UpdateEnvironmentRequest,
} from './types';

const enc = encodeURIComponent;

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
    return this.#get(`/clusters/${enc(name)}/status`);
  }

  async getEnvironment(name: string): Promise<Environment> {
    return this.#get(`/environments/${enc(name)}`);
  }

  async getStatus(name: string): Promise<EnvironmentStatus> {
    return this.#get(`/environments/${enc(name)}/status`);
  }

  async listOperations(name: string): Promise<{ items: Operation[] }> {
    return this.#get(`/environments/${enc(name)}/operations`);
  }

  async getOperation(id: string): Promise<Operation> {
    return this.#get(`/operations/${enc(id)}`);
  }

  async getOperationLogs(
    id: string,
    after?: number,
  ): Promise<{ items: OperationLogLine[] }> {
    const query = after === undefined ? '' : `?after=${enc(String(after))}`;
    return this.#get(`/operations/${enc(id)}/logs${query}`);
  }

  async getServiceValues(name: string, service: string): Promise<MergedValues> {
    return this.#get(
      `/environments/${enc(name)}/services/${enc(service)}/values`,
    );
  }

  async diffEnvironment(
    name: string,
    patch: UpdateEnvironmentRequest,
  ): Promise<DiffResult> {
    return this.#send('POST', `/environments/${enc(name)}/diff`, patch);
  }

  async updateEnvironment(
    name: string,
    patch: UpdateEnvironmentRequest,
  ): Promise<Operation> {
    return this.#send('PATCH', `/environments/${enc(name)}`, patch);
  }

  async #get<T>(path: string): Promise<T> {
    return this.#send('GET', path);
  }

  async #send<T>(method: string, path: string, body?: unknown): Promise<T> {
    const baseUrl = await this.#discoveryApi.getBaseUrl('environments');
    const response = await this.#fetchApi.fetch(
      `${baseUrl}${path}`,
      body === undefined
        ? { method }
        : {
            method,
            headers: { 'Content-Type': 'application/json' },
            body: JSON.stringify(body),
          },
    );
    if (!response.ok) {
      throw await ResponseError.fromResponse(response);
    }
    return (await response.json()) as T;
  }
}
