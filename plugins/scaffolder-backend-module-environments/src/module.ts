import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { scaffolderActionsExtensionPoint } from '@backstage/plugin-scaffolder-node';
import { environmentsServiceRef } from '@envmesh/plugin-environments-node';
import { createEnvironmentCopyAction } from './actions/copyEnvironment';
import { createEnvironmentCreateAction } from './actions/createEnvironment';

/**
 * Adds the envmesh environment actions (`envmesh:environment:create`, `envmesh:environment:copy`) to the
 * scaffolder.
 *
 * @public
 */
export const scaffolderModuleEnvmeshEnvironments = createBackendModule({
  pluginId: 'scaffolder',
  moduleId: 'envmesh-environments',
  register({ registerInit }) {
    registerInit({
      deps: {
        scaffolderActions: scaffolderActionsExtensionPoint,
        environments: environmentsServiceRef,
        config: coreServices.rootConfig,
      },
      async init({ scaffolderActions, environments, config }) {
        scaffolderActions.addActions(
          createEnvironmentCreateAction({ environments, config }),
          createEnvironmentCopyAction({ environments, config }),
        );
      },
    });
  },
});
