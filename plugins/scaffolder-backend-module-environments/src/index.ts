/**
 * Scaffolder actions that create and copy envmesh environments.
 *
 * @packageDocumentation
 */

export { scaffolderModuleEnvmeshEnvironments as default } from './module';
export { createEnvironmentCreateAction } from './actions/createEnvironment';
export { createEnvironmentCopyAction } from './actions/copyEnvironment';
export type { EnvironmentActionOptions } from './actions/waitForOperation';
