import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { catalogProcessingExtensionPoint } from '@backstage/plugin-catalog-node';
import { eventsServiceRef } from '@backstage/plugin-events-node';
import { environmentsServiceRef } from '@envmesh/plugin-environments-node';
import { EnvironmentsEntityProvider } from './provider/EnvironmentsEntityProvider';

/**
 * Adds envmesh environments to the catalog as `Resource` entities of `spec.type: environment`.
 *
 * @public
 */
export const catalogModuleEnvironmentsProvider = createBackendModule({
  pluginId: 'catalog',
  moduleId: 'environments-provider',
  register(reg) {
    reg.registerInit({
      deps: {
        config: coreServices.rootConfig,
        logger: coreServices.logger,
        auth: coreServices.auth,
        scheduler: coreServices.scheduler,
        processing: catalogProcessingExtensionPoint,
        environments: environmentsServiceRef,
        events: eventsServiceRef,
      },
      async init({ config, processing, ...services }) {
        processing.addEntityProvider(
          EnvironmentsEntityProvider.fromConfig(config, services),
        );
      },
    });
  },
});
