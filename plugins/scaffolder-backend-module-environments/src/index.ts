/**
 * Scaffolder actions that create and copy envmesh environments and deploy and delete feature branches.
 *
 * @packageDocumentation
 */

export { scaffolderModuleEnvmeshEnvironments as default } from './module';
export { createEnvironmentCreateAction } from './actions/createEnvironment';
export { createEnvironmentCopyAction } from './actions/copyEnvironment';
export { createEnvironmentExportAction } from './actions/exportEnvironment';
export { createFeatureDeployAction } from './actions/deployFeature';
export { createFeatureDeleteAction } from './actions/deleteFeature';
export type { EnvironmentActionOptions } from './actions/waitForOperation';
