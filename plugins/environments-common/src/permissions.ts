import { createPermission } from '@backstage/plugin-permission-common';

/**
 * The resource type of environment permissions that take a resource ref (the environment's name).
 *
 * @public
 */
export const RESOURCE_TYPE_ENVIRONMENT = 'environment';

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

/** @public */
export const featureCreatePermission = createPermission({
  name: 'environments.feature.create',
  attributes: { action: 'create' },
});

/** @public */
export const featureDeletePermission = createPermission({
  name: 'environments.feature.delete',
  attributes: { action: 'delete' },
});

/**
 * Every permission of the suite, for registration with the permissions registry.
 *
 * @public
 */
export const environmentsPermissions = [
  environmentCreatePermission,
  environmentUpdatePermission,
  environmentDeletePermission,
  environmentSecretWritePermission,
  featureCreatePermission,
  featureDeletePermission,
];
