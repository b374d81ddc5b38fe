import { AuthService, LoggerService } from '@backstage/backend-plugin-api';
import { Config } from '@backstage/config';
import { Entity, stringifyEntityRef } from '@backstage/catalog-model';
import type { CatalogService } from '@backstage/plugin-catalog-node';
import express from 'express';
import type { GuardedCommands } from '../access';
import type {
  FeatureNotifier,
  PushNotice,
} from '../notifications/FeatureNotifier';
import type { FeatureStore, ServiceRegistryStore } from '../store';
import {
  DEFAULT_DEPLOY_KEYWORD,
  featureNameFromBranch,
  findDeployCommit,
  imageTagFromTemplate,
  matchRepository,
  RepositoryCandidate,
} from './pushRules';
import { KeyedQueue, pushedCommitTime, staleReason } from './pushOrder';
import {
  PushAuthor,
  PushCommit,
  PushEvent,
  WebhookProvider,
  WebhookSecrets,
} from './types';
import { createWebhookRouter, WebhookPushResult } from './webhookRouter';

/** `environments.webhooks`: how pushes become feature deployments. */
export interface WebhookSettings {
  secrets: Partial<Record<WebhookProvider, WebhookSecrets>>;
  keyword: string;
  /** The base environment feature branches from pushes are deployed beside. */
  environment?: string;
  branchPattern?: string;
  featureName?: string;
  imageTag?: string;
  ttlHours?: number;
  /** Repositories of services, besides the catalog annotations of their components. */
  repositories: Array<{ service: string; repositories: string[] }>;
  maxBodyBytes?: number;
}

export function webhookSettingsFromConfig(config: Config): WebhookSettings {
  const webhooks = config.getOptionalConfig('environments.webhooks');
  const secrets: WebhookSettings['secrets'] = {};
  for (const provider of ['github', 'gitlab', 'bitbucket'] as const) {
    const secret = webhooks?.getOptionalString(`${provider}.secret`);
    const repositories = (
      webhooks?.getOptionalConfigArray(`${provider}.repositorySecrets`) ?? []
    ).map(r => ({
      repository: r.getString('repository'),
      secret: r.getString('secret'),
    }));
    if (secret || repositories.length) {
      secrets[provider] = { secret, repositories };
    }
  }
  const maxBodyBytes = webhooks?.getOptionalNumber('maxBodyBytes');
  if (
    maxBodyBytes !== undefined &&
    !(Number.isInteger(maxBodyBytes) && maxBodyBytes > 0)
  ) {
    throw new Error(
      `environments.webhooks.maxBodyBytes must be a positive whole number of bytes, got ${maxBodyBytes}`,
    );
  }
  return {
    secrets,
    maxBodyBytes,
    keyword: webhooks?.getOptionalString('keyword') ?? DEFAULT_DEPLOY_KEYWORD,
    environment: webhooks?.getOptionalString('environment'),
    branchPattern: webhooks?.getOptionalString('branchPattern'),
    featureName: webhooks?.getOptionalString('featureName'),
    imageTag: webhooks?.getOptionalString('imageTag'),
    ttlHours: webhooks?.getOptionalNumber('ttlHours'),
    repositories: (webhooks?.getOptionalConfigArray('repositories') ?? []).map(
      r => ({
        service: r.getString('service'),
        repositories: r.getStringArray('repositories'),
      }),
    ),
  };
}

/** Catalog annotations that name a component's repository. */
const REPOSITORY_ANNOTATIONS = [
  'github.com/project-slug',
  'gitlab.com/project-slug',
  'bitbucket.org/project-slug',
  'backstage.io/source-location',
];

/**
 * Push-to-deploy: turns a verified push whose commit message has the keyword into a deploy of a feature
 * instance (feature name from the branch, service from the repository, image tag from the template) and tells
 * the commit's author, if the catalog knows them by email or login, else the component's owner, how it went.
 *
 * Pushes of one feature are handled one after another, and one whose commit is already deployed or older than
 * the deployed one deploys nothing, so a delivery arriving late does not deploy over a newer commit.
 */
export class PushDeployer {
  /** Within this process; across replicas each push compares with the feature as stored. */
  readonly #featureQueue = new KeyedQueue();

  constructor(
    private readonly deps: {
      settings: WebhookSettings;
      commands: GuardedCommands;
      /** Reads the feature a push redeploys; records deliveries. */
      featureStore: FeatureStore;
      registry: ServiceRegistryStore;
      catalog: CatalogService;
      auth: AuthService;
      notifier: FeatureNotifier;
      logger: LoggerService;
    },
  ) {}

  /** `POST /webhooks/:provider`. */
  router(): express.Router {
    const { settings, featureStore } = this.deps;
    return createWebhookRouter({
      secretsFor: provider => settings.secrets[provider],
      recordDelivery: (provider, id) =>
        featureStore.recordDelivery(provider, id),
      releaseDelivery: (provider, id) =>
        featureStore.forgetDelivery(provider, id),
      onPush: event => this.onPush(event),
      maxBodyBytes: settings.maxBodyBytes,
      logger: this.deps.logger,
    });
  }

  async onPush(event: PushEvent): Promise<WebhookPushResult> {
    const { settings } = this.deps;
    if (event.deleted) return { status: 'ignored', reason: 'branch deleted' };
    const commit = findDeployCommit(event, settings.keyword);
    if (!commit) {
      return {
        status: 'ignored',
        reason: `no commit message contains '${settings.keyword}'`,
      };
    }
    const feature = featureNameFromBranch(event.branch, {
      pattern: settings.branchPattern,
      template: settings.featureName,
    });
    if (!feature) {
      return {
        status: 'ignored',
        reason: `branch '${event.branch}' does not name a feature`,
      };
    }
    const environment = settings.environment;
    if (!environment) {
      return {
        status: 'ignored',
        reason: 'environments.webhooks.environment is not configured',
      };
    }
    return this.#featureQueue.run(feature, () =>
      this.#deployUnlessStale(event, commit, feature, environment),
    );
  }

  /** Deploys the push as `feature` unless the feature already runs its commit or a newer one. */
  async #deployUnlessStale(
    event: PushEvent,
    commit: PushCommit,
    feature: string,
    environment: string,
  ): Promise<WebhookPushResult> {
    const { settings, logger } = this.deps;
    const existing = await this.deps.featureStore.getFeature(feature);
    const stale = staleReason(event, existing?.source);
    if (stale) {
      logger.info(`push ${event.deliveryId}: not deployed, ${stale}`);
      return { status: 'ignored', reason: stale };
    }
    const candidates = await this.#candidates();
    const matches = matchRepository(event, candidates);
    if (!matches.length) {
      return {
        status: 'ignored',
        reason: `no service is built from ${event.repository.fullName}`,
      };
    }
    const services = [...new Set(matches.map(m => m.service))];
    const imageTag = imageTagFromTemplate(settings.imageTag, {
      sha: event.sha,
      branch: event.branch,
      feature,
    });
    const notice: PushNotice = {
      recipients: await this.#recipients(
        commit.author,
        matches.flatMap(m => (m.owner ? [m.owner] : [])),
      ),
      link: this.deps.notifier.link(feature),
      commit: commit.id.slice(0, 7),
    };
    const committedAt = pushedCommitTime(event);
    const actor = `envmesh:webhook:${event.provider}`;
    try {
      // As the plugin's own service, through the same authorize-and-audit step as a user's deploy.
      const caller = {
        credentials: await this.deps.auth.getOwnServiceCredentials(),
        actor,
      };
      const { operation } = await this.deps.commands.deployFeature(
        {
          name: feature,
          environment: existing?.environment ?? environment,
          ...(notice.recipients[0] ? { owner: notice.recipients[0] } : {}),
          source: {
            repository: event.repository.fullName,
            branch: event.branch,
            sha: event.sha,
            ...(committedAt ? { committedAt } : {}),
          },
          ...(settings.ttlHours ? { ttlHours: settings.ttlHours } : {}),
          instances: services.map(service => ({ service, imageTag })),
        },
        caller,
        { notice },
      );
      logger.info(
        `push ${event.deliveryId} to ${event.repository.fullName}@${
          event.branch
        }: deploying ${services.join(', ')} as feature ${feature} (operation ${
          operation.id
        })`,
      );
      return {
        status: 'deploying',
        feature,
        services,
        operation: operation.id,
      };
    } catch (error) {
      await this.deps.notifier.send(notice.recipients, notice.link, {
        title: `Feature ${feature} was not deployed`,
        description: `${commit.id.slice(0, 7)}: ${(error as Error).message}`,
        severity: 'high',
      });
      throw error;
    }
  }

  /** Every registry service with the repositories it is built from (config, then catalog annotations). */
  async #candidates(): Promise<
    Array<RepositoryCandidate & { service: string; owner?: string }>
  > {
    const services = await this.deps.registry.listServices();
    const refs = services.flatMap(s =>
      s.catalogEntityRef ? [s.catalogEntityRef] : [],
    );
    const entities = refs.length
      ? (
          await this.deps.catalog.getEntitiesByRefs(
            { entityRefs: refs },
            { credentials: await this.deps.auth.getOwnServiceCredentials() },
          )
        ).items
      : [];
    const byRef = new Map(
      entities.flatMap(e => (e ? [[stringifyEntityRef(e), e] as const] : [])),
    );
    return services.map(service => {
      const entity = service.catalogEntityRef
        ? byRef.get(service.catalogEntityRef)
        : undefined;
      return {
        service: service.name,
        owner: ownerOf(entity),
        repositories: [
          ...this.deps.settings.repositories
            .filter(r => r.service === service.name)
            .flatMap(r => r.repositories),
          ...repositoriesOf(entity),
        ],
      };
    });
  }

  /** The commit author as a catalog user (by email, then login), else the owners of the services. */
  async #recipients(author: PushAuthor, owners: string[]): Promise<string[]> {
    const credentials = await this.deps.auth.getOwnServiceCredentials();
    const filters: Array<Record<string, string>> = [
      ...(author.email
        ? [{ kind: 'User', 'spec.profile.email': author.email }]
        : []),
      ...(author.username
        ? [{ kind: 'User', 'metadata.name': author.username.toLowerCase() }]
        : []),
    ];
    for (const filter of filters) {
      const { items } = await this.deps.catalog.getEntities(
        { filter },
        { credentials },
      );
      if (items[0]) return [stringifyEntityRef(items[0])];
    }
    return [...new Set(owners)];
  }
}

function ownerOf(entity: Entity | undefined): string | undefined {
  const owner = entity?.spec?.owner;
  if (typeof owner !== 'string') return undefined;
  return owner.includes(':') ? owner : `group:default/${owner}`;
}

function repositoriesOf(entity: Entity | undefined): string[] {
  const annotations = entity?.metadata.annotations ?? {};
  return REPOSITORY_ANNOTATIONS.flatMap(key => {
    const value = annotations[key];
    if (!value) return [];
    // backstage.io/source-location is `url:https://host/org/repo/tree/main/`
    return [value.replace(/^url:/, '').replace(/\/(tree|blob|src)\/.*$/, '')];
  });
}
