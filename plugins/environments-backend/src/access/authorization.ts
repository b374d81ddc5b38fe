import {
  BackstageCredentials,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import { NotAllowedError, NotFoundError } from '@backstage/errors';
import {
  AuthorizeResult,
  BasicPermission,
  PolicyDecision,
  ResourcePermission,
} from '@backstage/plugin-permission-common';
import {
  PermissionRuleset,
  createConditionAuthorizer,
} from '@backstage/plugin-permission-node';
import type {
  EnvironmentResource,
  FeatureBranchResource,
} from '@envmesh/plugin-environments-node';
import type { EnvironmentStore, FeatureStore } from '../store';

/** Who a mutation is recorded as done by: the user's entity ref, else the service's subject. */
export function actorOf(credentials: BackstageCredentials): string {
  const principal = credentials.principal as {
    userEntityRef?: string;
    subject?: string;
  };
  return principal.userEntityRef ?? principal.subject ?? 'unknown';
}

/** Whether a create or update body writes Secret values (which needs the secret write permission too). */
export function hasSecretValues(body: unknown): boolean {
  const secrets = (
    body as { config?: { secrets?: Array<{ values?: object }> } }
  )?.config?.secrets;
  // Not validated yet: anything may stand where a secret should (validation answers 400 for it later).
  return (
    Array.isArray(secrets) &&
    secrets.some(
      s =>
        typeof s?.values === 'object' &&
        s.values !== null &&
        Object.keys(s.values).length > 0,
    )
  );
}

/**
 * Environments and feature branches as the permission rules see them, read from the stores: for the checks
 * here and for the permission framework's `getResources` (conditional decisions the portal asks about).
 */
export class AccessResources {
  constructor(
    private readonly stores: {
      environments: EnvironmentStore;
      features: FeatureStore;
    },
  ) {}

  async environment(name: string): Promise<EnvironmentResource | undefined> {
    const env = await this.stores.environments.getEnvironment(name);
    return env && { name, owner: env.owner, cluster: env.cluster };
  }

  async feature(name: string): Promise<FeatureBranchResource | undefined> {
    const feature = await this.stores.features.getFeature(name);
    if (!feature) return undefined;
    const env = await this.environment(feature.environment);
    return {
      name,
      environment: feature.environment,
      owner: feature.owner,
      cluster: env?.cluster ?? '',
    };
  }

  /** The clusters of every environment, by name: to describe many feature branches at once. */
  async clusters(): Promise<Map<string, string>> {
    const all = await this.stores.environments.listEnvironments();
    return new Map(all.map(e => [e.name, e.cluster]));
  }
}

type EnvironmentPermission = ResourcePermission<'environment'>;
type FeaturePermission = ResourcePermission<'feature-branch'>;

/**
 * Backstage's permission decisions for envmesh's resources, evaluated here: a conditional decision (a policy
 * that says "owners update their environments") is applied, with the rules registered for its resource type, to
 * the environment or feature branch in hand, also one that does not exist yet (a create). Each check throws a
 * NotAllowedError when denied; the filters keep what the caller may read, with one decision per list.
 */
export class Authorizer {
  readonly #permissions: PermissionsService;
  readonly #resources: AccessResources;
  readonly #onEnvironment: (
    d: PolicyDecision,
    r: EnvironmentResource,
  ) => boolean;
  readonly #onFeature: (d: PolicyDecision, r: FeatureBranchResource) => boolean;

  constructor(options: {
    permissions: PermissionsService;
    resources: AccessResources;
    rules: {
      environment: PermissionRuleset<EnvironmentResource>;
      feature: PermissionRuleset<FeatureBranchResource>;
    };
  }) {
    this.#permissions = options.permissions;
    this.#resources = options.resources;
    this.#onEnvironment = createConditionAuthorizer(options.rules.environment);
    this.#onFeature = createConditionAuthorizer(options.rules.feature);
  }

  async basic(credentials: BackstageCredentials, permission: BasicPermission) {
    const [decision] = await this.#permissions.authorize([{ permission }], {
      credentials,
    });
    if (decision.result !== AuthorizeResult.ALLOW) throw denied(permission);
  }

  /** A permission on an environment: by name (it must exist), or as it will be. */
  async environment(
    credentials: BackstageCredentials,
    permission: EnvironmentPermission,
    target: string | EnvironmentResource,
  ) {
    const resource =
      typeof target === 'string'
        ? await this.#resources.environment(target)
        : target;
    if (!resource) throw new NotFoundError(`no environment '${target}'`);
    await this.#check(credentials, permission, resource, this.#onEnvironment);
  }

  /** A permission on a feature branch: by name (it must exist), or as it will be. */
  async feature(
    credentials: BackstageCredentials,
    permission: FeaturePermission,
    target: string | FeatureBranchResource,
  ) {
    const resource =
      typeof target === 'string'
        ? await this.#resources.feature(target)
        : target;
    if (!resource) throw new NotFoundError(`no feature branch '${target}'`);
    await this.#check(credentials, permission, resource, this.#onFeature);
  }

  /** The environments of a list the caller may read (one decision for the whole list). */
  async readableEnvironments<T extends EnvironmentResource>(
    credentials: BackstageCredentials,
    permission: EnvironmentPermission,
    items: T[],
  ): Promise<T[]> {
    const decision = await this.#decide(credentials, permission);
    return items.filter(item => this.#onEnvironment(decision, item));
  }

  /** The feature branches of a list the caller may read. */
  async readableFeatures<
    T extends { name: string; environment: string; owner: string },
  >(
    credentials: BackstageCredentials,
    permission: FeaturePermission,
    items: T[],
  ): Promise<T[]> {
    const decision = await this.#decide(credentials, permission);
    const clusters = await this.#resources.clusters();
    return items.filter(item =>
      this.#onFeature(decision, {
        name: item.name,
        environment: item.environment,
        owner: item.owner,
        cluster: clusters.get(item.environment) ?? '',
      }),
    );
  }

  /** Throws NotAllowedError unless the caller's decision, with its conditions applied, allows it on `resource`. */
  async #check<R extends { name: string }>(
    credentials: BackstageCredentials,
    permission: ResourcePermission,
    resource: R,
    onResource: (decision: PolicyDecision, resource: R) => boolean,
  ) {
    const decision = await this.#decide(credentials, permission);
    if (!onResource(decision, resource))
      throw denied(permission, resource.name);
  }

  /** The caller's decision: allowed, denied, or conditions that the rules apply to each resource. */
  async #decide(
    credentials: BackstageCredentials,
    permission: ResourcePermission,
  ): Promise<PolicyDecision> {
    const [decision] = await this.#permissions.authorizeConditional(
      [{ permission }],
      { credentials },
    );
    return decision;
  }
}

function denied(permission: { name: string }, resource?: string) {
  return new NotAllowedError(
    `not allowed: ${permission.name}${resource ? ` on ${resource}` : ''}`,
  );
}
