import {
  createConditionExports,
  createPermissionResourceRef,
  createPermissionRule,
} from '@backstage/plugin-permission-node';
import {
  RESOURCE_TYPE_ENVIRONMENT,
  RESOURCE_TYPE_FEATURE_BRANCH,
} from '@envmesh/plugin-environments-common';
import { z } from 'zod';

/**
 * An environment as the permission rules see it.
 *
 * @public
 */
export interface EnvironmentResource {
  name: string;
  /** The owning group or user, an entity ref. */
  owner: string;
  cluster: string;
}

/**
 * A feature branch as the permission rules see it (a feature about to be deployed too): with its base
 * environment's cluster.
 *
 * @public
 */
export interface FeatureBranchResource {
  name: string;
  environment: string;
  /** Who deployed it (an entity ref), or the base environment's owner. */
  owner: string;
  cluster: string;
}

/**
 * A rule as a filter over a resource's property (envmesh filters its lists in memory; the query form is what
 * a rule stands for).
 *
 * @public
 */
export interface EnvironmentsPermissionQuery {
  property: 'name' | 'owner' | 'cluster' | 'environment';
  values: string[];
}

/** @public */
export const environmentPermissionResourceRef = createPermissionResourceRef<
  EnvironmentResource,
  EnvironmentsPermissionQuery
>().with({ pluginId: 'environments', resourceType: RESOURCE_TYPE_ENVIRONMENT });

/** @public */
export const featureBranchPermissionResourceRef = createPermissionResourceRef<
  FeatureBranchResource,
  EnvironmentsPermissionQuery
>().with({
  pluginId: 'environments',
  resourceType: RESOURCE_TYPE_FEATURE_BRANCH,
});

const ownerParams = z.object({
  claims: z
    .array(z.string())
    .describe(
      "Entity refs of which one must be the owner (a policy passes the user's ownershipEntityRefs)",
    ),
});
const clusterParams = z.object({
  clusters: z.array(z.string()).describe('Names of clusters'),
});
const environmentParams = z.object({
  environments: z.array(z.string()).describe('Names of environments'),
});

/**
 * The permission rules of environments: `isOwner` (owned by one of the claims), `isInCluster` and
 * `hasEnvironment` (is one of the named environments).
 *
 * @public
 */
export const environmentPermissionRules = {
  isOwner: createPermissionRule({
    name: 'IS_OWNER',
    description: 'Allow environments owned by one of the given claims',
    resourceRef: environmentPermissionResourceRef,
    paramsSchema: ownerParams,
    apply: (resource, { claims }) => claims.includes(resource.owner),
    toQuery: ({ claims }) => ({ property: 'owner', values: claims }),
  }),
  isInCluster: createPermissionRule({
    name: 'IS_IN_CLUSTER',
    description: 'Allow environments in one of the given clusters',
    resourceRef: environmentPermissionResourceRef,
    paramsSchema: clusterParams,
    apply: (resource, { clusters }) => clusters.includes(resource.cluster),
    toQuery: ({ clusters }) => ({ property: 'cluster', values: clusters }),
  }),
  hasEnvironment: createPermissionRule({
    name: 'HAS_ENVIRONMENT',
    description: 'Allow the named environments',
    resourceRef: environmentPermissionResourceRef,
    paramsSchema: environmentParams,
    apply: (resource, { environments }) => environments.includes(resource.name),
    toQuery: ({ environments }) => ({ property: 'name', values: environments }),
  }),
};

/**
 * The permission rules of feature branches: `isOwner` (deployed by one of the claims), `isInCluster` (its
 * environment's cluster) and `hasEnvironment` (its base environment is one of the named), so that a policy can
 * say "anyone creates features on demo-dev".
 *
 * @public
 */
export const featureBranchPermissionRules = {
  isOwner: createPermissionRule({
    name: 'IS_OWNER',
    description: 'Allow feature branches owned by one of the given claims',
    resourceRef: featureBranchPermissionResourceRef,
    paramsSchema: ownerParams,
    apply: (resource, { claims }) => claims.includes(resource.owner),
    toQuery: ({ claims }) => ({ property: 'owner', values: claims }),
  }),
  isInCluster: createPermissionRule({
    name: 'IS_IN_CLUSTER',
    description:
      'Allow feature branches of environments in one of the given clusters',
    resourceRef: featureBranchPermissionResourceRef,
    paramsSchema: clusterParams,
    apply: (resource, { clusters }) => clusters.includes(resource.cluster),
    toQuery: ({ clusters }) => ({ property: 'cluster', values: clusters }),
  }),
  hasEnvironment: createPermissionRule({
    name: 'HAS_ENVIRONMENT',
    description: 'Allow feature branches of the named base environments',
    resourceRef: featureBranchPermissionResourceRef,
    paramsSchema: environmentParams,
    apply: (resource, { environments }) =>
      environments.includes(resource.environment),
    toQuery: ({ environments }) => ({
      property: 'environment',
      values: environments,
    }),
  }),
};

const environmentConditionExports = createConditionExports({
  resourceRef: environmentPermissionResourceRef,
  rules: environmentPermissionRules,
});

const featureBranchConditionExports = createConditionExports({
  resourceRef: featureBranchPermissionResourceRef,
  rules: featureBranchPermissionRules,
});

/**
 * Conditions for a permission policy's conditional decisions on environments, e.g.
 * `createEnvironmentConditionalDecision(permission, environmentConditions.isOwner({ claims }))`.
 *
 * @public
 */
export const environmentConditions = environmentConditionExports.conditions;

/** @public */
export const createEnvironmentConditionalDecision =
  environmentConditionExports.createConditionalDecision;

/**
 * Conditions for a permission policy's conditional decisions on feature branches, e.g.
 * `featureBranchConditions.hasEnvironment({ environments: ['demo-dev'] })`.
 *
 * @public
 */
export const featureBranchConditions = featureBranchConditionExports.conditions;

/** @public */
export const createFeatureBranchConditionalDecision =
  featureBranchConditionExports.createConditionalDecision;
