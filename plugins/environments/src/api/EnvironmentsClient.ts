import { DiscoveryApi, FetchApi } from '@backstage/core-plugin-api';
import { ResponseError } from '@backstage/errors';
import {
  ClusterSummary,
  EnvironmentSummary,
  FeatureBranchDetails,
} from '@envmesh/plugin-environments-common';
import { ClusterStatus, EnvironmentsApi } from './EnvironmentsApi';
import {
  CopyEnvironmentRequest,
  CreateEnvironmentRequest,
  DiffResult,
  Environment,
  EnvironmentStatus,
  MergedValues,
  Operation,
  OperationLogLine,
  Revision,
  RouteTrace,
  ServiceDefinition,
  TraceRouteRequest,
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

  async listServices(): Promise<{ items: ServiceDefinition[] }> {
    return this.#get('/services');
  }

  async createEnvironment(
    request: CreateEnvironmentRequest,
  ): Promise<Operation> {
    return this.#send('POST', '/environments', request);
  }

  async copyEnvironment(
    name: string,
    request: CopyEnvironmentRequest,
  ): Promise<Operation> {
    return this.#send('POST', `/environments/${enc(name)}/copy`, request);
  }

  async deleteEnvironment(name: string): Promise<Operation> {
    return this.#send('DELETE', `/environments/${enc(name)}`);
  }

  async sleepEnvironment(name: string): Promise<Operation> {
    return this.#send('POST', `/environments/${enc(name)}/sleep`);
  }

  async wakeEnvironment(name: string): Promise<Operation> {
    return this.#send('POST', `/environments/${enc(name)}/wake`);
  }

  async writeSecretValues(
    name: string,
    secret: string,
    values: Record<string, string>,
  ): Promise<void> {
    // 204 No Content: nothing to read, and nothing about the values ever comes back.
    await this.#fetch(
      'PUT',
      `/environments/${enc(name)}/secrets/${enc(secret)}`,
      {
        values,
      },
    );
  }

  async listRevisions(
    name: string,
    service?: string,
  ): Promise<{ items: Revision[] }> {
    const query = service === undefined ? '' : `?service=${enc(service)}`;
    return this.#get(`/environments/${enc(name)}/revisions${query}`);
  }

  async rollbackService(
    name: string,
    service: string,
    revision: number,
  ): Promise<Operation> {
    return this.#send(
      'POST',
      `/environments/${enc(name)}/services/${enc(service)}/rollback`,
      { revision },
    );
  }

  async getServiceManifest(name: string, service: string): Promise<string> {
    const response = await this.#fetch(
      'GET',
      `/environments/${enc(name)}/services/${enc(service)}/manifest`,
      undefined,
      { Accept: 'application/yaml' },
    );
    return response.text();
  }

  async cancelOperation(id: string): Promise<Operation> {
    return this.#send('POST', `/operations/${enc(id)}/cancel`);
  }

  async listFeatures(
    environment?: string,
  ): Promise<{ items: FeatureBranchDetails[] }> {
    const query = environment ? `?environment=${enc(environment)}` : '';
    return this.#get(`/features${query}`);
  }

  async getFeature(name: string): Promise<FeatureBranchDetails> {
    return this.#get(`/features/${enc(name)}`);
  }

  async getInstanceValues(
    feature: string,
    service: string,
  ): Promise<MergedValues> {
    return this.#get(
      `/features/${enc(feature)}/instances/${enc(service)}/values`,
    );
  }

  async extendFeature(
    name: string,
    hours: number,
  ): Promise<FeatureBranchDetails> {
    return this.#send('POST', `/features/${enc(name)}/extend`, { hours });
  }

  async deleteFeature(name: string): Promise<Operation> {
    return this.#send('DELETE', `/features/${enc(name)}`);
  }

  async traceRoute(
    name: string,
    request: TraceRouteRequest,
  ): Promise<RouteTrace> {
    return this.#send(
      'POST',
      `/environments/${enc(name)}/routes/trace`,
      request,
    );
  }

  async #get<T>(path: string): Promise<T> {
    return this.#send('GET', path);
  }

  async #send<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await this.#fetch(method, path, body);
    return (await response.json()) as T;
  }

  /** Sends the request; a response that is not OK becomes a ResponseError with the backend's reason. */
  async #fetch(
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<Response> {
    const baseUrl = await this.#discoveryApi.getBaseUrl('environments');
    const init: RequestInit = { method };
    if (body !== undefined) {
      init.headers = { ...headers, 'Content-Type': 'application/json' };
      init.body = JSON.stringify(body);
    } else if (headers) {
      init.headers = headers;
    }
    const response = await this.#fetchApi.fetch(`${baseUrl}${path}`, init);
    if (!response.ok) {
      throw await ResponseError.fromResponse(response);
    }
    return response;
  }
}
