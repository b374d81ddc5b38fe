import type {
  CopyEnvironmentRequest,
  CreateEnvironmentRequest,
  DeployFeatureRequest,
} from '@envmesh/plugin-environments-common/client';
import type {
  EnvironmentsRequestOptions,
  EnvironmentsService,
} from './EnvironmentsService';
import type { EnvironmentsServiceBridge } from './EnvironmentsServiceBridge';

/**
 * The EnvironmentsService of `environmentsServiceRef`: the engine in process when the environments backend
 * plugin attached itself to this backend (no HTTP round trip, same authorization), else the REST API.
 */
export class DefaultEnvironmentsService implements EnvironmentsService {
  readonly #bridge: EnvironmentsServiceBridge;
  readonly #http: EnvironmentsService;

  constructor(options: {
    bridge: EnvironmentsServiceBridge;
    http: EnvironmentsService;
  }) {
    this.#bridge = options.bridge;
    this.#http = options.http;
  }

  async #engine(): Promise<EnvironmentsService> {
    return (await this.#bridge.inProcess()) ?? this.#http;
  }

  async listEnvironments(options: EnvironmentsRequestOptions) {
    return (await this.#engine()).listEnvironments(options);
  }

  async getEnvironment(name: string, options: EnvironmentsRequestOptions) {
    return (await this.#engine()).getEnvironment(name, options);
  }

  async createEnvironment(
    body: CreateEnvironmentRequest,
    options: EnvironmentsRequestOptions,
  ) {
    return (await this.#engine()).createEnvironment(body, options);
  }

  async copyEnvironment(
    source: string,
    body: CopyEnvironmentRequest,
    options: EnvironmentsRequestOptions,
  ) {
    return (await this.#engine()).copyEnvironment(source, body, options);
  }

  async exportEnvironment(name: string, options: EnvironmentsRequestOptions) {
    return (await this.#engine()).exportEnvironment(name, options);
  }

  async getOperation(id: string, options: EnvironmentsRequestOptions) {
    return (await this.#engine()).getOperation(id, options);
  }

  async listFeatures(
    options: EnvironmentsRequestOptions & { environment?: string },
  ) {
    return (await this.#engine()).listFeatures(options);
  }

  async getFeature(name: string, options: EnvironmentsRequestOptions) {
    return (await this.#engine()).getFeature(name, options);
  }

  async getEnvironmentReachability(
    name: string,
    options: EnvironmentsRequestOptions & {
      entry?: string;
      instances?: string[];
    },
  ) {
    return (await this.#engine()).getEnvironmentReachability(name, options);
  }

  async deployFeature(
    body: DeployFeatureRequest,
    options: EnvironmentsRequestOptions,
  ) {
    return (await this.#engine()).deployFeature(body, options);
  }

  async removeFeature(
    name: string,
    options: EnvironmentsRequestOptions & { services?: string[] },
  ) {
    return (await this.#engine()).removeFeature(name, options);
  }

  async featureNameFromBranch(
    branch: string,
    options: EnvironmentsRequestOptions,
  ) {
    return (await this.#engine()).featureNameFromBranch(branch, options);
  }
}
