import {
  ConflictError,
  InputError,
  NotFoundError,
  ServiceUnavailableError,
} from '@backstage/errors';
import {
  EnvironmentServiceSpec,
  EnvironmentSpec,
  Revision,
} from '@envmesh/plugin-environments-common';
import { ReleaseApplier, SecretWriter } from '../apply';
import type { ClusterSupplier } from '../clusters';
import { DesiredState } from '../desired';
import { OperationQueries } from '../queries/OperationQueries';
import { requireEnvironment } from '../queries/EnvironmentReader';
import {
  SecretValues,
  applyUpdate,
  checkServices,
  pinOf,
  toSpec,
} from '../requests/environmentSpec';
import {
  copyEnvironmentInput,
  createEnvironmentInput,
  parseInput,
} from '../requests/validation';
import type {
  EnvironmentStore,
  FeatureStore,
  OperationStore,
  RevisionStore,
  ServiceRegistryStore,
} from '../store';
import type { z } from 'zod';
import { OperationStarter } from './OperationStarter';

type CopyInput = z.infer<typeof copyEnvironmentInput>;

/**
 * The changes to environments: each validates the request against the registry and the clusters, records
 * the desired state and a persisted operation in one transaction, and wakes the runner that carries it out.
 * Every method answers with the operation it started.
 */
export class EnvironmentCommands {
  constructor(
    private readonly deps: {
      environments: EnvironmentStore;
      registry: ServiceRegistryStore;
      features: FeatureStore;
      revisions: RevisionStore;
      operationStore: OperationStore;
      clusters: ClusterSupplier;
      desired: DesiredState;
      applier: ReleaseApplier;
      starter: OperationStarter;
      operations: OperationQueries;
      settings: {
        /** What a change to a sleeping environment does: wake it first, or be refused. */
        whenAsleep: 'wake' | 'refuse';
      };
    },
  ) {}

  async createEnvironment(body: unknown, actor: string) {
    const input = parseInput(createEnvironmentInput, body);
    this.deps.clusters.kubeConfig(input.cluster);
    const { spec, secretValues } = await toSpec(this.deps.registry, input);
    return this.deps.starter.start(
      'create',
      spec,
      actor,
      input.onFailure ? { onFailure: input.onFailure } : {},
      {
        persist: async ({ environments }) => {
          await environments.createEnvironment(spec);
        },
        inCluster: () => this.#writeSecrets(spec, secretValues),
      },
    );
  }

  async updateEnvironment(name: string, body: unknown, actor: string) {
    const { current, wakeFirst } = await this.#awakeEnvironment(
      name,
      'updated',
    );
    const { spec, secretValues } = await applyUpdate(
      { registry: this.deps.registry, features: this.deps.features },
      current,
      body,
    );
    return this.deps.starter.start(
      'update',
      spec,
      actor,
      {},
      {
        persist: async ({ environments }) => {
          await environments.updateEnvironment(spec);
        },
        inCluster: () => this.#writeSecrets(spec, secretValues),
        wakeFirst,
      },
    );
  }

  /** What an update would change, per service and for the environment's own objects; changes nothing. */

  /**
   * Deletes an environment. One with feature branches is refused unless `cascade`: a feature branch is somebody's
   * work in progress, and deleting its base takes it along.
   */
  async deleteEnvironment(
    name: string,
    actor: string,
    options: { cascade?: boolean } = {},
  ) {
    const spec = await requireEnvironment(this.deps.environments, name);
    const features = await this.deps.features.listFeatures({
      environment: name,
    });
    if (features.length && !options.cascade) {
      throw new ConflictError(
        `environment '${name}' has feature branches (${features
          .map(f => f.name)
          .join(
            ', ',
          )}): delete them first, or delete with cascade=true to delete them with it`,
      );
    }
    return this.deps.starter.start('delete', spec, actor, {});
  }

  async copyEnvironment(sourceName: string, body: unknown, actor: string) {
    const source = await requireEnvironment(this.deps.environments, sourceName);
    const input: CopyInput = parseInput(copyEnvironmentInput, body);
    const cluster = input.cluster ?? source.cluster;
    this.deps.clusters.kubeConfig(cluster);
    // An override can only adjust a service the source has; one naming another is a mistake, not a no-op.
    (input.services ?? []).forEach((override, i) => {
      if (!source.services.some(s => s.name === override.name)) {
        throw new InputError(
          `services[${i}].name: the environment ${sourceName} has no service ${override.name}`,
        );
      }
    });
    // Same versions: pin every service to the image tag, chart and service defaults its latest revision runs
    // in the source (one query for all services; revisions come newest first).
    const latest = new Map<string, Revision>();
    for (const revision of await this.deps.revisions.listRevisions(
      sourceName,
    )) {
      if (!latest.has(revision.service)) latest.set(revision.service, revision);
    }
    const services: EnvironmentServiceSpec[] = source.services.map(service => {
      const revision = latest.get(service.name);
      const override = input.services?.find(s => s.name === service.name);
      const pinned = revision && pinOf(revision);
      return {
        ...service,
        ...(revision?.imageTag ? { imageTag: revision.imageTag } : {}),
        ...(pinned ? { pinned } : {}),
        ...override,
      };
    });
    const spec: EnvironmentSpec = {
      ...source,
      name: input.name,
      cluster,
      namespace: input.namespace ?? input.name,
      owner: input.owner ?? source.owner,
      description: input.description ?? `Copy of ${source.name}`,
      services,
    };
    await checkServices(this.deps.registry, spec.services);
    return this.deps.starter.start(
      'copy',
      spec,
      actor,
      {
        from: {
          environment: source.name,
          cluster: source.cluster,
          namespace: source.namespace,
        },
      },
      {
        persist: ({ environments }) =>
          environments.createEnvironment(spec).then(() => undefined),
      },
    );
  }

  async rollbackService(
    name: string,
    service: string,
    revision: number,
    actor: string,
  ) {
    const { current, wakeFirst } = await this.#awakeEnvironment(
      name,
      'rolled back',
    );
    const target = await this.deps.revisions.getRevision(
      name,
      service,
      revision,
    );
    if (!target) {
      throw new NotFoundError(
        `service '${service}' of environment '${name}' has no revision ${revision}`,
      );
    }
    // The service is pinned to the revision's merged values, image, chart and service defaults; later global
    // changes and re-imports no longer reach it.
    const pinned = pinOf(target);
    const spec: EnvironmentSpec = {
      ...current,
      services: current.services.map(s =>
        s.name === service
          ? {
              name: s.name,
              ...(s.startupGroup !== undefined
                ? { startupGroup: s.startupGroup }
                : {}),
              ...(target.imageTag ? { imageTag: target.imageTag } : {}),
              values: target.values,
              ...(pinned ? { pinned } : {}),
            }
          : s,
      ),
    };
    return this.deps.starter.start(
      'rollback',
      spec,
      actor,
      { service, revision },
      {
        persist: ({ environments }) =>
          environments.updateEnvironment(spec).then(() => undefined),
        wakeFirst,
      },
    );
  }

  async writeSecretValues(
    name: string,
    secret: string,
    values: Record<string, string>,
  ) {
    const spec = await requireEnvironment(this.deps.environments, name);
    const declared = spec.config.secrets.find(s => s.name === secret);
    if (!declared) {
      throw new NotFoundError(
        `environment '${name}' has no secret '${secret}'`,
      );
    }
    await SecretWriter.write({
      kubeConfig: this.deps.clusters.kubeConfig(spec.cluster),
      namespace: spec.namespace,
      environment: spec.name,
      secret: declared,
      values,
    });
  }

  async cancelOperation(id: string) {
    const operation = await this.deps.operations.getOperation(id);
    if (operation.state !== 'pending' && operation.state !== 'running') {
      throw new ConflictError(`operation ${id} is already ${operation.state}`);
    }
    await this.deps.operationStore.requestCancel(id);
    return this.deps.operations.getOperation(id);
  }

  /**
   * The environment to change. A sleeping one is woken first by the change's own operation when
   * `lifecycle.whenAsleep` says `wake`; else the change is refused (409): it would wake part of it behind the
   * user's back.
   */
  async #awakeEnvironment(name: string, change: string) {
    const current = await requireEnvironment(this.deps.environments, name);
    const wakeFirst = !!current.asleepSince;
    if (wakeFirst && this.deps.settings.whenAsleep !== 'wake') {
      throw new ConflictError(
        `environment '${name}' is asleep and cannot be ${change}; wake it first`,
      );
    }
    return { current, wakeFirst };
  }

  async #writeSecrets(spec: EnvironmentSpec, values: SecretValues) {
    if (values.size === 0) return;
    const kubeConfig = this.deps.clusters.kubeConfig(spec.cluster);
    try {
      await this.deps.applier.apply({
        kubeConfig,
        namespace: spec.namespace,
        environment: spec.name,
        release: '',
        objects: [this.deps.desired.namespace(spec)],
        previousInventory: [],
      });
      for (const secret of spec.config.secrets) {
        const secretValues = values.get(secret.name);
        if (!secretValues) continue;
        await SecretWriter.write({
          kubeConfig,
          namespace: spec.namespace,
          environment: spec.name,
          secret,
          values: secretValues,
        });
      }
    } catch (error) {
      if (error instanceof InputError) throw error;
      // Never echo the request: the message names the secret only.
      throw new ServiceUnavailableError(
        `could not write the secrets of '${spec.name}' to cluster '${
          spec.cluster
        }': ${(error as Error).message}`,
      );
    }
  }
}
