import {
  createServiceFactory,
  createServiceRef,
} from '@backstage/backend-plugin-api';
import {
  EnvironmentSpec,
  EnvironmentSummary,
  FeatureBranchDetails,
  Operation,
} from '@envmesh/plugin-environments-common';

/**
 * An operation as the engine reports it: its persisted steps plus progress.
 *
 * @public
 */
export type OperationReport = Operation & {
  cancelRequested: boolean;
  progress: { done: number; total: number };
};

/**
 * What other backend plugins (scaffolder, search, catalog modules) can ask of the environments engine, in
 * process.
 *
 * @public
 */
export interface EnvironmentsService {
  listEnvironments(): Promise<EnvironmentSummary[]>;
  /**
   * The desired state of one environment (its services, values and config; Secrets by key names only, their
   * values are never stored). Throws a NotFoundError for an unknown environment.
   */
  getEnvironment(name: string): Promise<EnvironmentSpec>;
  /**
   * Validates and records a new environment and starts its create operation. The body is the REST API's
   * `POST /environments` body; bad input throws an InputError naming the field.
   */
  createEnvironment(body: unknown, actor: string): Promise<OperationReport>;
  /** Copies an environment (`POST /environments/:name/copy` body) and starts the copy operation. */
  copyEnvironment(
    source: string,
    body: unknown,
    actor: string,
  ): Promise<OperationReport>;
  getOperation(id: string): Promise<OperationReport>;
  /** Feature branches, of one environment if given. */
  listFeatures(environment?: string): Promise<FeatureBranchDetails[]>;
  /** Throws a NotFoundError for an unknown feature branch. */
  getFeature(name: string): Promise<FeatureBranchDetails>;
  /**
   * Creates a feature branch, or adds/replaces instances of an existing one (`POST /features` body), and
   * starts its deploy-feature operation.
   */
  deployFeature(
    body: unknown,
    actor: string,
  ): Promise<{ feature: FeatureBranchDetails; operation: OperationReport }>;
  /** Removes the given instances, or the whole feature branch, by a remove-feature operation. */
  removeFeature(
    name: string,
    actor: string,
    services?: string[],
  ): Promise<OperationReport>;
  /**
   * The feature name a branch deploys as by the push webhooks' rule (`environments.webhooks.branchPattern` and
   * `featureName`), or undefined when the branch yields no valid feature name.
   */
  featureNameFromBranch(branch: string): Promise<string | undefined>;
}

/**
 * The in-process link between the environments backend plugin, which attaches its engine when it starts,
 * and the modules of other plugins, whose calls wait until it has.
 *
 * @public
 */
export class EnvironmentsServiceBridge implements EnvironmentsService {
  #attached: (engine: EnvironmentsService) => void = () => {};
  readonly #engine = new Promise<EnvironmentsService>(resolve => {
    this.#attached = resolve;
  });
  readonly #timeoutMs: number;

  constructor(options: { timeoutMs?: number } = {}) {
    this.#timeoutMs = options.timeoutMs ?? 60_000;
  }

  /** Called once by the environments backend plugin. */
  attach(engine: EnvironmentsService) {
    this.#attached(engine);
  }

  async #get(): Promise<EnvironmentsService> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new Error(
              'the envmesh environments backend plugin did not start; add @envmesh/plugin-environments-backend to the backend',
            ),
          ),
        this.#timeoutMs,
      );
    });
    try {
      return await Promise.race([this.#engine, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  async listEnvironments() {
    return (await this.#get()).listEnvironments();
  }

  async getEnvironment(name: string) {
    return (await this.#get()).getEnvironment(name);
  }

  async createEnvironment(body: unknown, actor: string) {
    return (await this.#get()).createEnvironment(body, actor);
  }

  async copyEnvironment(source: string, body: unknown, actor: string) {
    return (await this.#get()).copyEnvironment(source, body, actor);
  }

  async getOperation(id: string) {
    return (await this.#get()).getOperation(id);
  }

  async listFeatures(environment?: string) {
    return (await this.#get()).listFeatures(environment);
  }

  async getFeature(name: string) {
    return (await this.#get()).getFeature(name);
  }

  async deployFeature(body: unknown, actor: string) {
    return (await this.#get()).deployFeature(body, actor);
  }

  async removeFeature(name: string, actor: string, services?: string[]) {
    return (await this.#get()).removeFeature(name, actor, services);
  }

  async featureNameFromBranch(branch: string) {
    return (await this.#get()).featureNameFromBranch(branch);
  }
}

/**
 * The environments engine, for modules of other plugins. Root-scoped so that every plugin shares the one the
 * environments backend plugin attaches.
 *
 * @public
 */
export const environmentsServiceRef =
  createServiceRef<EnvironmentsServiceBridge>({
    id: 'envmesh.environments',
    scope: 'root',
    defaultFactory: async service =>
      createServiceFactory({
        service,
        deps: {},
        factory: () => new EnvironmentsServiceBridge(),
      }),
  });
