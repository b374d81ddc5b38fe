import { AuthService, LoggerService } from '@backstage/backend-plugin-api';
import {
  DocumentCollatorFactory,
  IndexableDocument,
} from '@backstage/plugin-search-common';
import {
  EnvironmentSummary,
  FeatureBranchDetails,
} from '@envmesh/plugin-environments-common';
import { EnvironmentsService } from '@envmesh/plugin-environments-node';
import { Readable } from 'node:stream';

/**
 * The search document of one envmesh feature branch.
 *
 * @public
 */
export interface FeatureBranchDocument extends IndexableDocument {
  kind: 'feature-branch';
  /** The base environment. */
  environment: string;
  /** The cluster and namespace of the base environment, where the feature instances run. */
  cluster?: string;
  namespace?: string;
  owner: string;
  /** The services it has feature instances of. */
  services: string[];
  previewUrls: string[];
}

/**
 * Options of {@link FeatureBranchesCollatorFactory.create}.
 *
 * @public
 */
export type FeatureBranchesCollatorFactoryOptions = {
  logger: LoggerService;
  /** Gives the collator's own service credentials, with which it reads the engine. */
  auth: AuthService;
  /** The environments engine, from `environmentsServiceRef`. */
  environments: EnvironmentsService;
};

/**
 * Collates one search document of type `feature-branch` per envmesh feature branch.
 *
 * Only named fields are indexed: never the Helm values of the feature instances.
 *
 * @public
 */
export class FeatureBranchesCollatorFactory implements DocumentCollatorFactory {
  readonly type = 'feature-branch';

  readonly #logger: LoggerService;
  readonly #auth: AuthService;
  readonly #environments: EnvironmentsService;

  static create(
    options: FeatureBranchesCollatorFactoryOptions,
  ): FeatureBranchesCollatorFactory {
    return new FeatureBranchesCollatorFactory(options);
  }

  private constructor(options: FeatureBranchesCollatorFactoryOptions) {
    this.#logger = options.logger;
    this.#auth = options.auth;
    this.#environments = options.environments;
  }

  async getCollator(): Promise<Readable> {
    return Readable.from(this.#execute());
  }

  async *#execute(): AsyncGenerator<FeatureBranchDocument> {
    // The collator's service principal: it indexes for no user in particular.
    const credentials = await this.#auth.getOwnServiceCredentials();
    const [features, environments] = await Promise.all([
      this.#environments.listFeatures({ credentials }),
      this.#environments.listEnvironments({ credentials }),
    ]);
    const bases = new Map(environments.map(e => [e.name, e]));
    this.#logger.info(
      `Collating ${features.length} feature branches for search`,
    );
    for (const feature of features) {
      yield toDocument(feature, bases.get(feature.environment));
    }
  }
}

/**
 * Builds the document from named fields only, so that nothing else a feature branch carries (such as the
 * values of its instances) ever reaches the index.
 */
function toDocument(
  feature: FeatureBranchDetails,
  base: Pick<EnvironmentSummary, 'cluster' | 'namespace'> | undefined,
): FeatureBranchDocument {
  const { name, environment, owner, description, source, expiresAt } = feature;
  const instances = (feature.instances ?? []).map(
    ({ service, imageTag, state }) => ({ service, imageTag, state }),
  );
  const previewUrls = (feature.previewUrls ?? []).filter(
    (url): url is string => typeof url === 'string',
  );
  const from = source?.branch
    ? `Branch: ${source.branch}${
        source.repository ? ` of ${source.repository}` : ''
      }`
    : source?.repository && `Repository: ${source.repository}`;
  const text = [
    description,
    `Feature branch of environment ${environment}`,
    base ? `Cluster: ${base.cluster}, namespace: ${base.namespace}` : undefined,
    `Owner: ${owner}`,
    instances.length
      ? `Services: ${instances
          .map(
            i =>
              `${i.service} (${i.imageTag ? `${i.imageTag}, ` : ''}${i.state})`,
          )
          .join(', ')}`
      : undefined,
    from,
    previewUrls.length ? `Preview: ${previewUrls.join(', ')}` : undefined,
    expiresAt ? `Expires: ${expiresAt}` : undefined,
  ]
    .filter(Boolean)
    .join('\n');

  return {
    title: name,
    text,
    location: `/feature-branches/${encodeURIComponent(name)}`,
    kind: 'feature-branch',
    environment,
    ...(base ? { cluster: base.cluster, namespace: base.namespace } : {}),
    owner,
    services: instances.map(i => i.service),
    previewUrls,
  };
}
