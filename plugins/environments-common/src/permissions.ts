import { createPermission } from '@backstage/plugin-permission-common';

/**
 * The resource type of environment permissions that take a resource ref (the environment's name).
 *
 * @public
 */
export const RESOURCE_TYPE_ENVIRONMENT = 'environment';

/**
 * The resource type of feature-branch permissions that take a resource ref (the feature branch's name).
 *
 * @public
 */
export const RESOURCE_TYPE_FEATURE_BRANCH = 'feature-branch';

/**
 * Reading an environment: it, its status, diff, manifests, values, revisions, operations and their logs,
 * export and cost. Lists show only the environments a user may read.
 *
 * @public
 */
export const environmentReadPermission = createPermission({
  name: 'environments.environment.read',
  attributes: { action: 'read' },
  resourceType: RESOURCE_TYPE_ENVIRONMENT,
});

/** @public */
export const environmentCreatePermission = createPermission({
  name: 'environments.environment.create',
  attributes: { action: 'create' },
});

/** @public */
export const environmentUpdatePermission = createPermission({
  name: 'environments.environment.update',
  attributes: { action: 'update' },
  resourceType: RESOURCE_TYPE_ENVIRONMENT,
});

/** @public */
export const environmentDeletePermission = createPermission({
  name: 'environments.environment.delete',
  attributes: { action: 'delete' },
  resourceType: RESOURCE_TYPE_ENVIRONMENT,
});

/** Writing secret values of an environment's config; the values are never readable. @public */
export const environmentSecretWritePermission = createPermission({
  name: 'environments.secret.write',
  attributes: { action: 'update' },
  resourceType: RESOURCE_TYPE_ENVIRONMENT,
});

/**
 * Reading a feature branch: it, its operations, instance values and reachability. Lists show only the feature
 * branches a user may read.
 *
 * @public
 */
export const featureReadPermission = createPermission({
  name: 'environments.feature.read',
  attributes: { action: 'read' },
  resourceType: RESOURCE_TYPE_FEATURE_BRANCH,
});

/**
 * Deploying a feature branch, adding instances to one or extending its time to live: checked on the feature
 * branch as it will be (its name, environment and owner), so a policy can allow it per environment.
 *
 * @public
 */
export const featureCreatePermission = createPermission({
  name: 'environments.feature.create',
  attributes: { action: 'create' },
  resourceType: RESOURCE_TYPE_FEATURE_BRANCH,
});

/** @public */
export const featureDeletePermission = createPermission({
  name: 'environments.feature.delete',
  attributes: { action: 'delete' },
  resourceType: RESOURCE_TYPE_FEATURE_BRANCH,
});

/**
 * Every permission of the suite, for registration with the permissions registry.
 *
 * @public
 */
export const environmentsPermissions = [
  environmentReadPermission,
  environmentCreatePermission,
  environmentUpdatePermission,
  environmentDeletePermission,
  environmentSecretWritePermission,
  featureReadPermission,
  featureCreatePermission,
  featureDeletePermission,
];
