import { LoggerService } from '@backstage/backend-plugin-api';
import { ConflictError, InputError, NotFoundError } from '@backstage/errors';
import {
  EnvironmentSpec,
  FeatureBranch,
  FeatureBranchDetails,
  FeatureInstanceSpec,
} from '@envmesh/plugin-environments-common';
import type { ClusterSupplier } from '../clusters';
import { instanceRelease } from '../naming';
import {
  FeatureOperationParams,
  FeatureRollout,
} from '../orchestrate/FeatureRollout';
import type { LifecycleCommands } from './LifecycleCommands';
import { OperationRunner } from '../orchestrate/OperationRunner';
import { DesiredState } from '../desired';
import { DEFAULT_FEATURE_HEADER, previewHost } from '../routing';
import type {
  EnvironmentStore,
  FeatureStore,
  InventoryStore,
  OperationStore,
  RevisionStore,
  StoreTransaction,
} from '../store';
import { summary } from '../queries/OperationQueries';
import { behindBase } from './behindBase';
import {
  deployFeatureInput,
  extendFeatureInput,
  parseInput,
} from '../requests/validation';

export interface FeatureBranchSettings {
  /** TTL of a new feature branch that names none. */
  defaultTtlHours: number;
  /** The routing header, as users write it (default `X-FEATURE-NAME`). */
  headerName?: string;
}

const HOUR_MS = 3600_000;

/**
 * Feature branches as the REST API, the webhooks, the lifecycle task and other plugins see them: validates a
 * deploy against the base environment, keeps the desired state in the store and starts the persisted
 * operations (one active per feature branch, beside the environment's own) that FeatureRollout carries out.
 */
export class FeatureCommands {
  constructor(
    private readonly deps: {
      environments: EnvironmentStore;
      features: FeatureStore;
      operations: OperationStore;
      inventories: InventoryStore;
      revisions: RevisionStore;
      transaction: StoreTransaction;
      clusters: ClusterSupplier;
      rollout: FeatureRollout;
      desired: DesiredState;
      runner: OperationRunner;
      /** Wakes a sleeping base before a deploy or redeploy, or refuses it (per config). */
      lifecycle: Pick<LifecycleCommands, 'wakeForChange'>;
      logger: LoggerService;
      settings: FeatureBranchSettings;
    },
  ) {}

  async listFeatures(environment?: string): Promise<FeatureBranchDetails[]> {
    const features = await this.deps.features.listFeatures({
      environment,
    });
    const environments = new Map(
      (await this.deps.environments.listEnvironments()).map(e => [e.name, e]),
    );
    // One read of the latest base revisions per environment, not per feature branch.
    const latest = new Map<string, Promise<Map<string, number>>>();
    const latestOf = (base: string) => {
      if (!latest.has(base)) {
        latest.set(base, this.deps.revisions.latestRevisions(base));
      }
      return latest.get(base)!;
    };
    return Promise.all(
      features.map(f =>
        this.#details(
          f,
          environments.get(f.environment),
          latestOf(f.environment),
        ),
      ),
    );
  }

  /** The values a feature instance renders with: its base service's, with the instance's on top. */
  async getInstanceValues(name: string, service: string) {
    const feature = await this.#feature(name);
    const instance = feature.instances.find(i => i.service === service);
    const env = await this.deps.environments.getEnvironment(
      feature.environment,
    );
    const base = env?.services.find(s => s.name === service);
    if (!instance || !env || !base) {
      throw new NotFoundError(
        `feature branch '${name}' has no instance of service '${service}'`,
      );
    }
    return this.deps.desired.values(env, base, instance);
  }

  async getFeature(name: string): Promise<FeatureBranchDetails> {
    const feature = await this.#feature(name);
    const env = await this.deps.environments.getEnvironment(
      feature.environment,
    );
    return this.#details(feature, env);
  }

  /**
   * Deploys every instance of a feature branch again onto the current base (the base environment's values as
   * they are now, each instance's own on top): one deploy-feature operation, treated like a deploy while the
   * environment sleeps (refused, or woken first, per `lifecycle.whenAsleep`) and refused while another
   * operation of the feature branch runs.
   */
  async redeployFeature(name: string, actor: string) {
    const feature = await this.#feature(name);
    if (!feature.instances.length) {
      throw new ConflictError(`feature branch '${name}' has no instances`);
    }
    await this.deps.lifecycle.wakeForChange(
      feature.environment,
      actor,
      'redeploying',
    );
    return this.#startOperation('deploy-feature', feature, actor, {
      feature: name,
      services: feature.instances.map(i => i.service),
    });
  }

  /**
   * Creates the feature branch (or, if it exists in the same environment, adds or replaces the given
   * instances) and starts a deploy-feature operation for those instances.
   */
  async deployFeature(
    body: unknown,
    actor: string,
    options: { notice?: Record<string, unknown> } = {},
  ) {
    const input = parseInput(deployFeatureInput, body);
    const env = await this.deps.environments.getEnvironment(input.environment);
    if (!env) {
      throw new InputError(
        `environment: no environment '${input.environment}'`,
      );
    }
    await this.#checkInstances(env, input.name, input.instances);
    const existing = await this.deps.features.getFeature(input.name);
    if (existing && existing.environment !== env.name) {
      throw new ConflictError(
        `feature branch '${input.name}' already exists in environment '${existing.environment}'`,
      );
    }
    // Checked last, so that a request refused for its input wakes nothing.
    await this.deps.lifecycle.wakeForChange(env.name, actor);
    const expiresAt = input.ttlHours
      ? new Date(Date.now() + input.ttlHours * HOUR_MS).toISOString()
      : undefined;
    // The instance spec, the operation and its conflict check in one transaction: a deploy refused with a
    // 409 (another operation of the feature runs) changes nothing.
    const { feature, operation } = await this.deps.transaction(
      async ({ features, operations }) => {
        const saved = existing
          ? await features.updateFeature(input.name, {
              instances: input.instances,
              source: input.source,
              description: input.description,
              expiresAt,
            })
          : await features.createFeature({
              name: input.name,
              environment: env.name,
              owner: input.owner ?? actor,
              description: input.description,
              source: input.source,
              expiresAt:
                expiresAt ??
                new Date(
                  Date.now() + this.deps.settings.defaultTtlHours * HOUR_MS,
                ).toISOString(),
              instances: input.instances,
            });
        const started = await this.#createOperation(
          operations,
          'deploy-feature',
          saved,
          actor,
          {
            feature: saved.name,
            services: input.instances.map(i => i.service),
            ...(options.notice ? { notice: options.notice } : {}),
          },
        );
        return { feature: saved, operation: started };
      },
    );
    this.deps.runner.wake();
    return { feature: await this.#details(feature, env), operation };
  }

  /** Removes some instances of a feature branch, or (no services given) the whole feature branch. */
  async removeFeature(name: string, actor: string, services?: string[]) {
    const feature = await this.#feature(name);
    const known = new Set(feature.instances.map(i => i.service));
    const unknown = services?.find(s => !known.has(s));
    if (unknown) {
      throw new NotFoundError(
        `feature branch '${name}' has no instance of service '${unknown}'`,
      );
    }
    return this.#startOperation('remove-feature', feature, actor, {
      feature: name,
      services: services ?? [...known],
      deleteFeature: !services || services.length === known.size,
    });
  }

  /** Moves the expiry `hours` past the later of now and the current expiry. */
  async extendFeature(name: string, body: unknown) {
    const { hours } = parseInput(extendFeatureInput, body);
    const feature = await this.#feature(name);
    const from = Math.max(
      Date.now(),
      feature.expiresAt ? Date.parse(feature.expiresAt) : 0,
    );
    await this.deps.features.updateFeature(name, {
      expiresAt: new Date(from + hours * HOUR_MS).toISOString(),
    });
    return this.getFeature(name);
  }

  async listOperations(name: string) {
    const feature = await this.#feature(name);
    const operations = await this.deps.operations.listOperations({
      environment: feature.environment,
      feature: name,
      limit: 50,
    });
    return operations.map(summary);
  }

  async #details(
    feature: FeatureBranch,
    env: EnvironmentSpec | undefined,
    latest = this.deps.revisions.latestRevisions(feature.environment),
  ): Promise<FeatureBranchDetails> {
    return {
      ...details(
        feature,
        env,
        this.deps.settings.headerName ?? DEFAULT_FEATURE_HEADER,
      ),
      behindBase: await behindBase(this.deps.revisions, feature, await latest),
    };
  }

  async #feature(name: string): Promise<FeatureBranch> {
    const feature = await this.deps.features.getFeature(name);
    if (!feature) throw new NotFoundError(`no feature branch '${name}'`);
    return feature;
  }

  async #checkInstances(
    env: EnvironmentSpec,
    feature: string,
    instances: FeatureInstanceSpec[],
  ) {
    const seen = new Set<string>();
    for (const [index, instance] of instances.entries()) {
      const service = instance.service;
      const field = `instances.${index}.service`;
      if (seen.has(service)) {
        throw new InputError(`${field}: service '${service}' is listed twice`);
      }
      seen.add(service);
      if (!env.services.some(s => s.name === service)) {
        throw new InputError(
          `${field}: '${service}' is not a service of environment '${env.name}'`,
        );
      }
      const label = instanceRelease(service, feature);
      if (label.length > 63) {
        throw new InputError(
          `${field}: the instance label '${label}' is longer than 63 characters; use a shorter feature name`,
        );
      }
      if (!(await this.deps.inventories.getInventory(env.name, service))) {
        throw new ConflictError(
          `service '${service}' of environment '${env.name}' is not deployed yet`,
        );
      }
      try {
        await this.deps.rollout.checkInstance(env, feature, instance);
      } catch (error) {
        if (!(error instanceof InputError)) throw error;
        throw new InputError(`instances.${index}: ${error.message}`);
      }
    }
  }

  async #startOperation(
    type: 'deploy-feature' | 'remove-feature',
    feature: FeatureBranch,
    actor: string,
    params: FeatureOperationParams,
  ) {
    const operation = await this.#createOperation(
      this.deps.operations,
      type,
      feature,
      actor,
      params,
    );
    this.deps.runner.wake();
    return operation;
  }

  async #createOperation(
    operations: OperationStore,
    type: 'deploy-feature' | 'remove-feature',
    feature: FeatureBranch,
    actor: string,
    params: FeatureOperationParams,
  ) {
    const operation = await operations.createOperation({
      environment: feature.environment,
      feature: feature.name,
      type,
      actor,
      params: params as unknown as Record<string, unknown>,
      steps: this.deps.rollout.plan(type, params.services),
    });
    return summary(operation);
  }
}

/**
 * The API view of a feature branch: preview URL (when the environment has a preview domain and service) and,
 * per service of the base environment, whether the feature's requests reach a ready feature instance or fall
 * back to the base instance.
 */
function details(
  feature: FeatureBranch,
  env: EnvironmentSpec | undefined,
  routingHeader: string,
): Omit<FeatureBranchDetails, 'behindBase'> {
  const previewUrls =
    env?.previewDomain && env.previewService
      ? [`https://${previewHost(feature.name, env.previewDomain)}/`]
      : [];
  const routing = (env?.services ?? []).map(s => ({
    service: s.name,
    target: feature.instances.some(
      i => i.service === s.name && i.state === 'ready',
    )
      ? ('feature' as const)
      : ('default' as const),
  }));
  return { ...feature, previewUrls, routing, routingHeader };
}
