import {
  createPermission,
  PermissionAttributes,
  ResourcePermission,
} from '@backstage/plugin-permission-common';

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

type Action = NonNullable<PermissionAttributes['action']>;

/** A permission checked on one resource, named by its ref (the environment's or feature branch's name). */
function resourcePermission<T extends string>(
  resourceType: T,
  name: string,
  action: Action,
): ResourcePermission<T> {
  return createPermission({ name, attributes: { action }, resourceType });
}

/** `environments.environment.<action>`, checked on the environment. */
function environmentPermission(action: Action) {
  return resourcePermission(
    RESOURCE_TYPE_ENVIRONMENT,
    `environments.environment.${action}`,
    action,
  );
}

/** `environments.feature.<action>`, checked on the feature branch. */
function featurePermission(action: Action) {
  return resourcePermission(
    RESOURCE_TYPE_FEATURE_BRANCH,
    `environments.feature.${action}`,
    action,
  );
}

/**
 * Reading an environment: it, its status, diff, manifests, values, revisions, operations and their logs,
 * export and cost. Lists show only the environments a user may read.
 *
 * @public
 */
export const environmentReadPermission = environmentPermission('read');

/** @public */
export const environmentCreatePermission = createPermission({
  name: 'environments.environment.create',
  attributes: { action: 'create' },
});

/** @public */
export const environmentUpdatePermission = environmentPermission('update');

/** @public */
export const environmentDeletePermission = environmentPermission('delete');

/** Writing secret values of an environment's config; the values are never readable. @public */
export const environmentSecretWritePermission = resourcePermission(
  RESOURCE_TYPE_ENVIRONMENT,
  'environments.secret.write',
  'update',
);

/**
 * Reading a feature branch: it, its operations, instance values and reachability. Lists show only the feature
 * branches a user may read.
 *
 * @public
 */
export const featureReadPermission = featurePermission('read');

/**
 * Deploying a feature branch, adding instances to one or extending its time to live: checked on the feature
 * branch as it will be (its name, environment and owner), so a policy can allow it per environment.
 *
 * @public
 */
export const featureCreatePermission = featurePermission('create');

/** @public */
export const featureDeletePermission = featurePermission('delete');

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
