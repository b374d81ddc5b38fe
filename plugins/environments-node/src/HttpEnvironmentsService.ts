import { AuthService, DiscoveryService } from '@backstage/backend-plugin-api';
import { ResponseError } from '@backstage/errors';
import {
  CopyEnvironmentRequest,
  CreateEnvironmentRequest,
  DefaultApiClient,
  DeployFeatureRequest,
  TypedResponse,
} from '@envmesh/plugin-environments-common/client';
import type {
  EnvironmentsRequestOptions,
  EnvironmentsService,
} from './EnvironmentsService';

/**
 * The EnvironmentsService over the envmesh REST API, for a backend that does not run the environments
 * plugin itself: the plugin's URL comes from discovery, and every call carries a token issued on behalf of
 * the caller's credentials, so the environments plugin authorizes and audits the caller as it would a user
 * of the portal.
 *
 * @public
 */
export class HttpEnvironmentsService implements EnvironmentsService {
  readonly #client: DefaultApiClient;
  readonly #auth: AuthService;

  constructor(options: { discovery: DiscoveryService; auth: AuthService }) {
    this.#client = new DefaultApiClient({ discoveryApi: options.discovery });
    this.#auth = options.auth;
  }

  /** The token of a call to the environments plugin on behalf of `credentials`. */
  async #token({ credentials }: EnvironmentsRequestOptions) {
    return this.#auth.getPluginRequestToken({
      onBehalfOf: credentials,
      targetPluginId: 'environments',
    });
  }

  /** The body of a successful response; a failed one throws the error the plugin answered with. */
  async #read<T>(response: Promise<TypedResponse<T>>): Promise<T> {
    const res = await response;
    if (!res.ok) throw await ResponseError.fromResponse(res as Response);
    return res.json();
  }

  async listEnvironments(options: EnvironmentsRequestOptions) {
    const { items } = await this.#read(
      this.#client.listEnvironments({}, await this.#token(options)),
    );
    return items;
  }

  async getEnvironment(name: string, options: EnvironmentsRequestOptions) {
    return this.#read(
      this.#client.getEnvironment(
        { path: { name } },
        await this.#token(options),
      ),
    );
  }

  async createEnvironment(
    body: CreateEnvironmentRequest,
    options: EnvironmentsRequestOptions,
  ) {
    return this.#read(
      this.#client.createEnvironment({ body }, await this.#token(options)),
    );
  }

  async copyEnvironment(
    source: string,
    body: CopyEnvironmentRequest,
    options: EnvironmentsRequestOptions,
  ) {
    return this.#read(
      this.#client.copyEnvironment(
        { path: { name: source }, body },
        await this.#token(options),
      ),
    );
  }

  async exportEnvironment(name: string, options: EnvironmentsRequestOptions) {
    return this.#read(
      this.#client.exportEnvironment(
        { path: { name } },
        await this.#token(options),
      ),
    );
  }

  async getOperation(id: string, options: EnvironmentsRequestOptions) {
    return this.#read(
      this.#client.getOperation({ path: { id } }, await this.#token(options)),
    );
  }

  async listFeatures(
    options: EnvironmentsRequestOptions & { environment?: string },
  ) {
    const query = options.environment
      ? { environment: options.environment }
      : {};
    const { items } = await this.#read(
      this.#client.listFeatures({ query }, await this.#token(options)),
    );
    return items;
  }

  async getFeature(name: string, options: EnvironmentsRequestOptions) {
    return this.#read(
      this.#client.getFeature(
        { path: { feature: name } },
        await this.#token(options),
      ),
    );
  }

  async getEnvironmentReachability(
    name: string,
    options: EnvironmentsRequestOptions & {
      entry?: string;
      instances?: string[];
    },
  ) {
    const { entry, instances } = options;
    return this.#read(
      this.#client.getEnvironmentReachability(
        { path: { name }, query: { entry, instances } },
        await this.#token(options),
      ),
    );
  }

  async deployFeature(
    body: DeployFeatureRequest,
    options: EnvironmentsRequestOptions,
  ) {
    return this.#read(
      this.#client.deployFeature({ body }, await this.#token(options)),
    );
  }

  async removeFeature(
    name: string,
    options: EnvironmentsRequestOptions & { services?: string[] },
  ) {
    const query = options.services?.length ? { service: options.services } : {};
    return this.#read(
      this.#client.deleteFeature(
        { path: { feature: name }, query },
        await this.#token(options),
      ),
    );
  }

  async featureNameFromBranch(
    branch: string,
    options: EnvironmentsRequestOptions,
  ) {
    const { name } = await this.#read(
      this.#client.getFeatureNameForBranch(
        { query: { branch } },
        await this.#token(options),
      ),
    );
    return name;
  }
}
