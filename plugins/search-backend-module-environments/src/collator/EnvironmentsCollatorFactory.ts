import {
  AuthService,
  BackstageCredentials,
  LoggerService,
} from '@backstage/backend-plugin-api';
import {
  DocumentCollatorFactory,
  IndexableDocument,
} from '@backstage/plugin-search-common';
import { EnvironmentSummary } from '@envmesh/plugin-environments-common';
import { EnvironmentsService } from '@envmesh/plugin-environments-node';
import { Readable } from 'node:stream';

/**
 * The search document of one envmesh environment.
 *
 * @public
 */
export interface EnvironmentDocument extends IndexableDocument {
  kind: 'environment';
  cluster: string;
  namespace: string;
  owner: string;
  /** The names of its services. */
  services: string[];
}

/**
 * Options of {@link EnvironmentsCollatorFactory.create}.
 *
 * @public
 */
export type EnvironmentsCollatorFactoryOptions = {
  logger: LoggerService;
  /** Gives the collator's own service credentials, with which it reads the engine. */
  auth: AuthService;
  /** The environments engine, from `environmentsServiceRef`. */
  environments: EnvironmentsService;
};

/**
 * Collates one search document of type `environment` per envmesh environment.
 *
 * Only named, non-secret fields of the environment summary are indexed.
 *
 * @public
 */
export class EnvironmentsCollatorFactory implements DocumentCollatorFactory {
  readonly type = 'environment';

  readonly #logger: LoggerService;
  readonly #auth: AuthService;
  readonly #environments: EnvironmentsService;

  static create(
    options: EnvironmentsCollatorFactoryOptions,
  ): EnvironmentsCollatorFactory {
    return new EnvironmentsCollatorFactory(options);
  }

  private constructor(options: EnvironmentsCollatorFactoryOptions) {
    this.#logger = options.logger;
    this.#auth = options.auth;
    this.#environments = options.environments;
  }

  async getCollator(): Promise<Readable> {
    return Readable.from(this.#execute());
  }

  async *#execute(): AsyncGenerator<EnvironmentDocument> {
    // The collator's service principal: it indexes for no user in particular.
    const credentials = await this.#auth.getOwnServiceCredentials();
    const environments = await this.#environments.listEnvironments({
      credentials,
    });
    this.#logger.info(
      `Collating ${environments.length} environments for search`,
    );
    for (const environment of environments) {
      yield toDocument(
        environment,
        await this.#serviceNames(environment, credentials),
      );
    }
  }

  /** Only the names of the services are taken from the desired state; an environment gone meanwhile has none. */
  async #serviceNames(
    environment: EnvironmentSummary,
    credentials: BackstageCredentials,
  ): Promise<string[]> {
    try {
      const spec = await this.#environments.getEnvironment(environment.name, {
        credentials,
      });
      return (spec.services ?? []).map(service => service.name);
    } catch (error) {
      this.#logger.warn(
        `Indexing environment ${environment.name} without its services: ${error}`,
      );
      return [];
    }
  }
}

/**
 * Builds the document from named fields only, so that nothing the summary may carry at run time beyond its
 * declared, non-secret fields ever reaches the index.
 */
function toDocument(
  environment: EnvironmentSummary,
  services: string[],
): EnvironmentDocument {
  const { name, cluster, namespace, owner, description, componentRefs } =
    environment;
  const text = [
    description,
    `Owner: ${owner}`,
    `Cluster: ${cluster}, namespace: ${namespace}`,
    services.length ? `Services: ${services.join(', ')}` : undefined,
    componentRefs?.length
      ? `Components: ${componentRefs.join(', ')}`
      : undefined,
  ]
    .filter(Boolean)
    .join('\n');

  return {
    title: name,
    text,
    location: `/environments/${encodeURIComponent(name)}`,
    kind: 'environment',
    cluster,
    namespace,
    owner,
    services,
  };
}
