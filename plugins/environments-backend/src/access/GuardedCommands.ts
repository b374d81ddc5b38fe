import { AuditorService } from '@backstage/backend-plugin-api';
import {
  environmentCreatePermission,
  environmentDeletePermission,
  environmentSecretWritePermission,
  environmentUpdatePermission,
  featureCreatePermission,
  featureDeletePermission,
  SleepReason,
} from '@envmesh/plugin-environments-common';
import type { EnvironmentCommands } from '../commands/EnvironmentCommands';
import type { FeatureCommands } from '../commands/FeatureCommands';
import type { LifecycleCommands } from '../commands/LifecycleCommands';
import { LIFECYCLE_ACTOR } from '../lifecycle';
import type { LifecycleStore } from '../store';
import type { ServiceRegistry } from '../commands/ServiceRegistry';
import type { EnvironmentReader } from '../queries/EnvironmentReader';
import type { OperationQueries } from '../queries/OperationQueries';
import {
  parseInput,
  rollbackInput,
  secretValuesInput,
} from '../requests/validation';
import { audited, Caller } from './audited';
import { AccessResources, Authorizer, hasSecretValues } from './authorization';

/**
 * The one way into a mutation, for every caller: the REST API, the in-process EnvironmentsService of other
 * plugins (scaffolder actions), the push webhooks, the lifecycle task and the seeder. Each method authorizes the
 * caller's credentials and runs the command inside an auditor event (`environment-mutate`), so that a denied
 * attempt is audited as failed too, whoever made it.
 */
export class GuardedCommands {
  readonly #authorizer: Authorizer;
  readonly #resources: AccessResources;
  readonly #auditor: AuditorService;
  readonly #reader: Pick<EnvironmentReader, 'getEnvironment'>;
  readonly #environments: EnvironmentCommands;
  readonly #features: FeatureCommands;
  readonly #registry: ServiceRegistry;
  readonly #operations: OperationQueries;
  readonly #lifecycle: LifecycleCommands;
  readonly #activity: Pick<LifecycleStore, 'recordActivity'>;

  constructor(options: {
    authorizer: Authorizer;
    resources: AccessResources;
    auditor: AuditorService;
    reader: Pick<EnvironmentReader, 'getEnvironment'>;
    environments: EnvironmentCommands;
    features: FeatureCommands;
    registry: ServiceRegistry;
    operations: OperationQueries;
    lifecycle: LifecycleCommands;
    /** Where each successful mutation is recorded as activity. */
    activity: Pick<LifecycleStore, 'recordActivity'>;
  }) {
    this.#authorizer = options.authorizer;
    this.#resources = options.resources;
    this.#auditor = options.auditor;
    this.#reader = options.reader;
    this.#environments = options.environments;
    this.#features = options.features;
    this.#registry = options.registry;
    this.#operations = options.operations;
    this.#lifecycle = options.lifecycle;
    this.#activity = options.activity;
  }

  importServices(body: unknown, caller: Caller) {
    const source = (body as { source?: { location?: string } })?.source;
    return this.#audited(
      caller,
      'import-services',
      { source: source?.location },
      async () => {
        await this.#authorizer.basic(
          caller.credentials,
          environmentCreatePermission,
        );
        return this.#registry.importServices(body);
      },
    );
  }

  createEnvironment(body: unknown, caller: Caller) {
    return this.#audited(
      caller,
      'create',
      { environment: nameOf(body) },
      async actor => {
        const { credentials } = caller;
        await this.#authorizer.basic(credentials, environmentCreatePermission);
        // Secret values need the secret write permission on the environment as it will be.
        if (hasSecretValues(body)) {
          await this.#authorizer.environment(
            credentials,
            environmentSecretWritePermission,
            {
              name: stringOf(body, 'name'),
              owner: stringOf(body, 'owner'),
              cluster: stringOf(body, 'cluster'),
            },
          );
        }
        return this.#environments.createEnvironment(body, actor);
      },
    );
  }

  updateEnvironment(name: string, body: unknown, caller: Caller) {
    return this.#audited(
      caller,
      'update',
      { environment: name },
      async actor => {
        await this.#authorize(caller, environmentUpdatePermission, name);
        if (hasSecretValues(body)) {
          await this.#authorize(caller, environmentSecretWritePermission, name);
        }
        return this.#environments.updateEnvironment(name, body, actor);
      },
    );
  }

  deleteEnvironment(
    name: string,
    caller: Caller,
    options: { cascade?: boolean } = {},
  ) {
    return this.#audited(
      caller,
      'delete',
      { environment: name, ...options },
      async actor => {
        await this.#authorize(caller, environmentDeletePermission, name);
        return this.#environments.deleteEnvironment(name, actor, options);
      },
    );
  }

  copyEnvironment(source: string, body: unknown, caller: Caller) {
    return this.#audited(
      caller,
      'copy',
      { environment: nameOf(body), from: source },
      async actor => {
        const { credentials } = caller;
        await this.#authorizer.basic(credentials, environmentCreatePermission);
        // A copy writes the source's Secrets into the new environment.
        const from = await this.#reader.getEnvironment(source);
        if (from.config.secrets.length > 0) {
          await this.#authorizer.environment(
            credentials,
            environmentSecretWritePermission,
            {
              name: stringOf(body, 'name'),
              owner: stringOf(body, 'owner') || from.owner,
              cluster: stringOf(body, 'cluster') || from.cluster,
            },
          );
        }
        return this.#environments.copyEnvironment(source, body, actor);
      },
    );
  }

  writeSecretValues(
    name: string,
    secret: string,
    body: unknown,
    caller: Caller,
  ) {
    // The key names are audited, never the values.
    const values = (body as { values?: unknown })?.values;
    const keys = isObject(values) ? Object.keys(values) : [];
    return this.#audited(
      caller,
      'write-secret',
      { environment: name, secret, keys },
      async () => {
        await this.#authorize(caller, environmentSecretWritePermission, name);
        const input = parseInput(secretValuesInput, body);
        await this.#environments.writeSecretValues(name, secret, input.values);
      },
    );
  }

  rollbackService(
    name: string,
    service: string,
    body: unknown,
    caller: Caller,
  ) {
    const revision = (body as { revision?: unknown })?.revision;
    return this.#audited(
      caller,
      'rollback',
      { environment: name, service, revision },
      async actor => {
        await this.#authorize(caller, environmentUpdatePermission, name);
        const input = parseInput(rollbackInput, body);
        return this.#environments.rollbackService(
          name,
          service,
          input.revision,
          actor,
        );
      },
    );
  }

  sleepEnvironment(name: string, caller: Caller, reason?: SleepReason) {
    return this.#audited(
      caller,
      'sleep',
      { environment: name, ...(reason && { reason }) },
      async actor => {
        await this.#authorize(caller, environmentUpdatePermission, name);
        return this.#lifecycle.sleepEnvironment(name, actor, reason);
      },
    );
  }

  wakeEnvironment(name: string, body: unknown, caller: Caller) {
    return this.#audited(caller, 'wake', { environment: name }, async actor => {
      await this.#authorize(caller, environmentUpdatePermission, name);
      return this.#lifecycle.wakeEnvironment(name, body, actor);
    });
  }

  updateLifecycle(name: string, body: unknown, caller: Caller) {
    return this.#audited(
      caller,
      'update-lifecycle',
      { environment: name },
      async () => {
        await this.#authorize(caller, environmentUpdatePermission, name);
        await this.#lifecycle.updateLifecycle(name, body);
      },
    );
  }

  keepEnvironment(name: string, caller: Caller) {
    return this.#audited(caller, 'keep', { environment: name }, async () => {
      await this.#authorize(caller, environmentUpdatePermission, name);
      await this.#lifecycle.keep(name);
    });
  }

  async cancelOperation(id: string, caller: Caller) {
    const current = await this.#operations.getOperation(id);
    return this.#audited(
      caller,
      'cancel',
      { environment: current.environment, operation: current.id },
      async () => {
        await this.#authorize(
          caller,
          environmentUpdatePermission,
          current.environment,
        );
        return this.#environments.cancelOperation(id);
      },
    );
  }

  deployFeature(
    body: unknown,
    caller: Caller,
    options?: Parameters<FeatureCommands['deployFeature']>[2],
  ) {
    const { environment } = (body ?? {}) as { environment?: string };
    return this.#audited(
      caller,
      'deploy-feature',
      { feature: nameOf(body), environment },
      async actor => {
        // Checked on the feature branch as it will be: a new one is owned by its deployer.
        const name = stringOf(body, 'name');
        const base = stringOf(body, 'environment');
        await this.#authorizer.feature(
          caller.credentials,
          featureCreatePermission,
          (await this.#resources.feature(name)) ?? {
            name,
            environment: base,
            owner: stringOf(body, 'owner') || actor,
            cluster: (await this.#resources.environment(base))?.cluster ?? '',
          },
        );
        return this.#features.deployFeature(body, actor, options);
      },
    );
  }

  /** Removes the given instances, or the whole feature branch. */
  removeFeature(name: string, caller: Caller, services?: string[]) {
    return this.#audited(
      caller,
      'remove-feature',
      { feature: name, ...(services ? { services } : {}) },
      async actor => {
        await this.#authorizer.feature(
          caller.credentials,
          featureDeletePermission,
          name,
        );
        return this.#features.removeFeature(name, actor, services);
      },
    );
  }

  /** Deploys every instance again onto the current base: a deploy, so it needs what a deploy needs. */
  redeployFeature(name: string, caller: Caller) {
    return this.#audited(
      caller,
      'redeploy-feature',
      { feature: name },
      async actor => {
        await this.#authorizer.feature(
          caller.credentials,
          featureCreatePermission,
          name,
        );
        return this.#features.redeployFeature(name, actor);
      },
    );
  }

  extendFeature(name: string, body: unknown, caller: Caller) {
    return this.#audited(
      caller,
      'extend-feature',
      { feature: name },
      async () => {
        await this.#authorizer.feature(
          caller.credentials,
          featureCreatePermission,
          name,
        );
        return this.#features.extendFeature(name, body);
      },
    );
  }

  /** A permission on an existing environment. */
  #authorize(
    caller: Caller,
    permission: Parameters<Authorizer['environment']>[1],
    environment: string,
  ) {
    return this.#authorizer.environment(
      caller.credentials,
      permission,
      environment,
    );
  }

  /**
   * Runs a mutation inside an auditor event (`environment-mutate`); one that succeeds is activity of its
   * environment or feature branch, unless the lifecycle task made it (its own sleeps must not keep an
   * environment from being idle).
   */
  #audited<T>(
    caller: Caller,
    actionType: string,
    target: { environment?: string; feature?: string; [key: string]: unknown },
    run: (actor: string) => Promise<T>,
  ): Promise<T> {
    return audited(
      this.#auditor,
      { eventId: 'environment-mutate', severityLevel: 'medium' },
      caller,
      { actionType, ...target },
      async actor => {
        const result = await run(actor);
        if (actor !== LIFECYCLE_ACTOR) {
          await this.#activity.recordActivity(
            { environment: target.environment, feature: target.feature },
            new Date(),
          );
        }
        return result;
      },
    );
  }
}

/** A string field of a body not yet validated ('' when it is not a string: validation answers 400 later). */
function stringOf(body: unknown, field: string): string {
  const value = (body as Record<string, unknown> | undefined)?.[field];
  return typeof value === 'string' ? value : '';
}

function nameOf(body: unknown): string | undefined {
  const name = (body as { name?: unknown })?.name;
  return typeof name === 'string' ? name : undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
