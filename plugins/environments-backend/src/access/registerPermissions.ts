import { PermissionsRegistryService } from '@backstage/backend-plugin-api';
import { isResourcePermission } from '@backstage/plugin-permission-common';
import {
  environmentsPermissions,
  RESOURCE_TYPE_ENVIRONMENT,
  RESOURCE_TYPE_FEATURE_BRANCH,
} from '@envmesh/plugin-environments-common';
import {
  environmentPermissionResourceRef,
  environmentPermissionRules,
  featureBranchPermissionResourceRef,
  featureBranchPermissionRules,
} from '@envmesh/plugin-environments-node';
import { AccessResources } from './authorization';

/**
 * Registers envmesh's permissions, and its two resource types with their rules and loaders, so that a policy's
 * conditional decisions can be applied to environments and feature branches the portal asks about.
 */
export function registerPermissions(
  registry: PermissionsRegistryService,
  resources: AccessResources,
) {
  const ofType = (type: string) =>
    environmentsPermissions.filter(p => isResourcePermission(p, type));
  registry.addPermissions(
    environmentsPermissions.filter(p => !isResourcePermission(p)),
  );
  registry.addResourceType({
    resourceRef: environmentPermissionResourceRef,
    permissions: ofType(RESOURCE_TYPE_ENVIRONMENT),
    rules: Object.values(environmentPermissionRules),
    getResources: names =>
      Promise.all(names.map(n => resources.environment(n))),
  });
  registry.addResourceType({
    resourceRef: featureBranchPermissionResourceRef,
    permissions: ofType(RESOURCE_TYPE_FEATURE_BRANCH),
    rules: Object.values(featureBranchPermissionRules),
    getResources: names => Promise.all(names.map(n => resources.feature(n))),
  });
}
