import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { scaffolderActionsExtensionPoint } from '@backstage/plugin-scaffolder-node';
import { environmentsServiceRef } from '@envmesh/plugin-environments-node';
import { createEnvironmentCopyAction } from './actions/copyEnvironment';
import { createEnvironmentCreateAction } from './actions/createEnvironment';
import { createFeatureDeleteAction } from './actions/deleteFeature';
import { createFeatureDeployAction } from './actions/deployFeature';
import { createEnvironmentExportAction } from './actions/exportEnvironment';

/**
 * Adds the envmesh actions (`envmesh:environment:create`, `envmesh:environment:copy`,
 * `envmesh:environment:export`, `envmesh:feature:deploy`, `envmesh:feature:delete`) to the scaffolder.
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
          createFeatureDeployAction({ environments, config }),
          createFeatureDeleteAction({ environments, config }),
          createEnvironmentExportAction({ environments }),
        );
      },
    });
  },
});
