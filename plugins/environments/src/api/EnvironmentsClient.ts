import { DiscoveryApi, FetchApi } from '@backstage/core-plugin-api';
import { ResponseError } from '@backstage/errors';
import {
  DefaultApiClient,
  TypedResponse,
} from '@envmesh/plugin-environments-common/client';
import {
  ClusterSummary,
  EnvironmentSummary,
  FeatureBranchDetails,
} from '@envmesh/plugin-environments-common';
import { ClusterStatus, CostPeriod, EnvironmentsApi } from './EnvironmentsApi';
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
 * Talks to the envmesh backend through the discovery and fetch APIs, so requests carry the user's token. The
 * requests are the typed client generated from the backend's OpenAPI spec; this class only turns a failed
 * response into a ResponseError with the backend's reason (which names the field of bad input).
 *
 * @public
 */
export class EnvironmentsClient implements EnvironmentsApi {
  readonly #client: DefaultApiClient;

  constructor(options: { discoveryApi: DiscoveryApi; fetchApi: FetchApi }) {
    this.#client = new DefaultApiClient(options);
  }

  async listEnvironments(): Promise<{ items: EnvironmentSummary[] }> {
    return read(this.#client.listEnvironments({}));
  }

  async listClusters(): Promise<{ items: ClusterSummary[] }> {
    return read(this.#client.listClusters({}));
  }

  async getClusterStatus(name: string): Promise<ClusterStatus> {
    return read(this.#client.getClusterStatus({ path: { name } }));
  }

  async getEnvironment(name: string): Promise<Environment> {
    return read(this.#client.getEnvironment({ path: { name } }));
  }

  async getStatus(name: string): Promise<EnvironmentStatus> {
    return read(this.#client.getEnvironmentStatus({ path: { name } }));
  }

  async listOperations(name: string): Promise<{ items: Operation[] }> {
    return read(this.#client.listEnvironmentOperations({ path: { name } }));
  }

  async getOperation(id: string): Promise<Operation> {
    return read(this.#client.getOperation({ path: { id } }));
  }

  async getOperationLogs(
    id: string,
    after?: number,
  ): Promise<{ items: OperationLogLine[] }> {
    return read(
      this.#client.getOperationLogs({ path: { id }, query: { after } }),
    );
  }

  async getServiceValues(name: string, service: string): Promise<MergedValues> {
    return read(this.#client.getServiceValues({ path: { name, service } }));
  }

  async diffEnvironment(
    name: string,
    patch: UpdateEnvironmentRequest,
  ): Promise<DiffResult> {
    return read(this.#client.diffEnvironment({ path: { name }, body: patch }));
  }

  async updateEnvironment(
    name: string,
    patch: UpdateEnvironmentRequest,
  ): Promise<Operation> {
    return read(
      this.#client.updateEnvironment({ path: { name }, body: patch }),
    );
  }

  async listServices(): Promise<{ items: ServiceDefinition[] }> {
    return read(this.#client.listServices({}));
  }

  async createEnvironment(
    request: CreateEnvironmentRequest,
  ): Promise<Operation> {
    return read(this.#client.createEnvironment({ body: request }));
  }

  async copyEnvironment(
    name: string,
    request: CopyEnvironmentRequest,
  ): Promise<Operation> {
    return read(
      this.#client.copyEnvironment({ path: { name }, body: request }),
    );
  }

  async deleteEnvironment(
    name: string,
    options: { cascade?: boolean } = {},
  ): Promise<Operation> {
    return read(
      this.#client.deleteEnvironment({ path: { name }, query: options }),
    );
  }

  async sleepEnvironment(name: string): Promise<Operation> {
    return read(this.#client.sleepEnvironment({ path: { name } }));
  }

  async wakeEnvironment(
    name: string,
    options: { until?: Date } = {},
  ): Promise<Operation> {
    return read(
      this.#client.wakeEnvironment({ path: { name }, body: options }),
    );
  }

  async getEnvironmentLifecycle(name: string): Promise<EnvironmentLifecycle> {
    return read(this.#client.getEnvironmentLifecycle({ path: { name } }));
  }

  async updateEnvironmentLifecycle(
    name: string,
    body: UpdateLifecycleRequest,
  ): Promise<EnvironmentLifecycle> {
    return read(
      this.#client.updateEnvironmentLifecycle({ path: { name }, body }),
    );
  }

  async keepEnvironment(name: string): Promise<EnvironmentLifecycle> {
    return read(this.#client.keepEnvironment({ path: { name } }));
  }

  async writeSecretValues(
    name: string,
    secret: string,
    values: Record<string, string>,
  ): Promise<void> {
    // 204 No Content: nothing to read, and nothing about the values ever comes back.
    await ok(
      this.#client.writeSecretValues({
        path: { name, secret },
        body: { values },
      }),
    );
  }

  async listRevisions(
    name: string,
    service?: string,
  ): Promise<{ items: Revision[] }> {
    return read(
      this.#client.listRevisions({ path: { name }, query: { service } }),
    );
  }

  async rollbackService(
    name: string,
    service: string,
    revision: number,
  ): Promise<Operation> {
    return read(
      this.#client.rollbackService({
        path: { name, service },
        body: { revision },
      }),
    );
  }

  async getServiceManifest(name: string, service: string): Promise<string> {
    const response = await ok(
      this.#client.getServiceManifest({ path: { name, service } }),
    );
    return response.text();
  }

  async cancelOperation(id: string): Promise<Operation> {
    return read(this.#client.cancelOperation({ path: { id } }));
  }

  async listFeatures(
    environment?: string,
  ): Promise<{ items: FeatureBranchDetails[] }> {
    return read(
      this.#client.listFeatures({
        query: { environment: environment || undefined },
      }),
    );
  }

  async getFeature(name: string): Promise<FeatureBranchDetails> {
    return read(this.#client.getFeature({ path: { feature: name } }));
  }

  async getInstanceValues(
    feature: string,
    service: string,
  ): Promise<MergedValues> {
    return read(
      this.#client.getFeatureInstanceValues({ path: { feature, service } }),
    );
  }

  async extendFeature(
    name: string,
    hours: number,
  ): Promise<FeatureBranchDetails> {
    return read(
      this.#client.extendFeature({ path: { feature: name }, body: { hours } }),
    );
  }

  async redeployFeature(name: string): Promise<Operation> {
    return read(this.#client.redeployFeature({ path: { feature: name } }));
  }

  async deleteFeature(name: string): Promise<Operation> {
    return read(
      this.#client.deleteFeature({ path: { feature: name }, query: {} }),
    );
  }

  async traceRoute(
    name: string,
    request: TraceRouteRequest,
  ): Promise<RouteTrace> {
    return read(this.#client.traceRoute({ path: { name }, body: request }));
  }

  async getFeatureReachability(
    feature: string,
    entry?: string,
  ): Promise<FeatureReachability> {
    return read(
      this.#client.getFeatureReachability({
        path: { feature },
        query: { entry },
      }),
    );
  }

  async getEnvironmentReachability(
    name: string,
    options: { entry?: string; instances?: string[] } = {},
  ): Promise<EnvironmentReachability> {
    return read(
      this.#client.getEnvironmentReachability({
        path: { name },
        query: options,
      }),
    );
  }

  async getEnvironmentCost(
    name: string,
    period: CostPeriod = {},
  ): Promise<EnvironmentCost> {
    return read(
      this.#client.getEnvironmentCost({ path: { name }, query: period }),
    );
  }

  async getFeatureCost(
    feature: string,
    period: CostPeriod = {},
  ): Promise<FeatureCost> {
    return read(
      this.#client.getFeatureCost({ path: { feature }, query: period }),
    );
  }
}

/** The response if it is OK; else a ResponseError with the backend's reason. */
async function ok<T>(
  response: Promise<TypedResponse<T>>,
): Promise<TypedResponse<T>> {
  const res = await response;
  if (!res.ok) throw await ResponseError.fromResponse(res as Response);
  return res;
}

/** The body of a successful response, as the caller's type (the spec's model, or the common package's). */
async function read<R>(response: Promise<TypedResponse<unknown>>): Promise<R> {
  return (await ok(response)).json() as Promise<R>;
}
