import {
  AuditorService,
  BackstageCredentials,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import {
  BasicPermission,
  ResourcePermission,
} from '@backstage/plugin-permission-common';
import {
  environmentCreatePermission,
  environmentDeletePermission,
  environmentSecretWritePermission,
  environmentUpdatePermission,
  featureCreatePermission,
} from '@envmesh/plugin-environments-common';
import type { Request } from 'express';
import type { EnvironmentCommands } from '../commands/EnvironmentCommands';
import type { FeatureCommands } from '../commands/FeatureCommands';
import type { ServiceRegistry } from '../commands/ServiceRegistry';
import type { EnvironmentReader } from '../queries/EnvironmentReader';
import type { OperationQueries } from '../queries/OperationQueries';
import {
  parseInput,
  rollbackInput,
  secretValuesInput,
} from '../requests/validation';
import { actorOf, hasSecretValues, MutationAuthorizer } from './authorization';

/** Who asks for a mutation. */
export interface Caller {
  credentials: BackstageCredentials;
  /** The HTTP request, when the call came over REST: the audit event takes its actor details from it. */
  request?: Request;
  /**
   * Who the change is recorded as done by, when a service acts for a named part of envmesh (the push
   * webhooks, the seeder, the janitor) rather than for a user; else the credentials' principal.
   */
  actor?: string;
}

/**
 * The one way into a mutation, for every caller: the REST API, the in-process EnvironmentsService of other
 * plugins (scaffolder actions), the push webhooks, the janitor and the seeder. Each method authorizes the
 * caller's credentials and runs the command inside an auditor event (`environment-mutate`), so that a denied
 * attempt is audited as failed too, whoever made it.
 */
export class GuardedCommands {
  readonly #authorizer: MutationAuthorizer;
  readonly #auditor: AuditorService;
  readonly #environments: EnvironmentCommands;
  readonly #features: FeatureCommands;
  readonly #registry: ServiceRegistry;
  readonly #operations: OperationQueries;

  constructor(options: {
    permissions: PermissionsService;
    auditor: AuditorService;
    reader: Pick<EnvironmentReader, 'getEnvironment'>;
    environments: EnvironmentCommands;
    features: FeatureCommands;
    registry: ServiceRegistry;
    operations: OperationQueries;
  }) {
    this.#authorizer = new MutationAuthorizer(options);
    this.#auditor = options.auditor;
    this.#environments = options.environments;
    this.#features = options.features;
    this.#registry = options.registry;
    this.#operations = options.operations;
  }

  importServices(body: unknown, caller: Caller) {
    const source = (body as { source?: { location?: string } })?.source;
    return this.#audited(
      caller,
      'import-services',
      { source: source?.location },
      async () => {
        await this.#authorize(caller, environmentCreatePermission);
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
        await this.#authorizer.createEnvironment(caller.credentials, body);
        return this.#environments.createEnvironment(body, actor);
      },
    );
  }

  updateEnvironment(name: string, body: unknown, caller: Caller) {
    return this.#audited(caller, 'update', { environment: name }, async actor => {
      await this.#authorize(caller, environmentUpdatePermission, name);
      if (hasSecretValues(body)) {
        await this.#authorize(caller, environmentSecretWritePermission, name);
      }
      return this.#environments.updateEnvironment(name, body, actor);
    });
  }

  deleteEnvironment(name: string, caller: Caller) {
    return this.#audited(caller, 'delete', { environment: name }, async actor => {
      await this.#authorize(caller, environmentDeletePermission, name);
      return this.#environments.deleteEnvironment(name, actor);
    });
  }

  copyEnvironment(source: string, body: unknown, caller: Caller) {
    return this.#audited(
      caller,
      'copy',
      { environment: nameOf(body), from: source },
      async actor => {
        await this.#authorizer.copyEnvironment(caller.credentials, source, body);
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

  sleepEnvironment(name: string, caller: Caller) {
    return this.#audited(caller, 'sleep', { environment: name }, async actor => {
      await this.#authorize(caller, environmentUpdatePermission, name);
      return this.#environments.sleepEnvironment(name, actor);
    });
  }

  wakeEnvironment(name: string, caller: Caller) {
    return this.#audited(caller, 'wake', { environment: name }, async actor => {
      await this.#authorize(caller, environmentUpdatePermission, name);
      return this.#environments.wakeEnvironment(name, actor);
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
        await this.#authorizer.deployFeature(caller.credentials);
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
        await this.#authorizer.removeFeature(caller.credentials);
        return this.#features.removeFeature(name, actor, services);
      },
    );
  }

  extendFeature(name: string, body: unknown, caller: Caller) {
    return this.#audited(caller, 'extend-feature', { feature: name }, async () => {
      await this.#authorize(caller, featureCreatePermission);
      return this.#features.extendFeature(name, body);
    });
  }

  #authorize(
    caller: Caller,
    permission: BasicPermission | ResourcePermission,
    resourceRef?: string,
  ) {
    return this.#authorizer.authorize(
      caller.credentials,
      permission,
      resourceRef,
    );
  }

  /**
   * Runs a mutation inside an auditor event: who did what to which environment, and how it ended. `run`
   * authorizes first, inside the event, so that a denied attempt is audited as failed too.
   */
  async #audited<T>(
    caller: Caller,
    actionType: string,
    target: Record<string, unknown>,
    run: (actor: string) => Promise<T>,
  ): Promise<T> {
    const actor = caller.actor ?? actorOf(caller.credentials);
    // Without a request the auditor records the plugin's own service as the actor: say for whom it acted.
    const meta = { actionType, ...target, actor };
    const event = await this.#auditor.createEvent({
      eventId: 'environment-mutate',
      severityLevel: 'medium',
      request: caller.request,
      meta,
    });
    try {
      const result = await run(actor);
      await event.success({ meta });
      return result;
    } catch (error) {
      await event.fail({ error: error as Error, meta });
      throw error;
    }
  }
}

function nameOf(body: unknown): string | undefined {
  const name = (body as { name?: unknown })?.name;
  return typeof name === 'string' ? name : undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
