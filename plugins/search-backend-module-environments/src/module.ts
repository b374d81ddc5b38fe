import {
  coreServices,
  createBackendModule,
  readSchedulerServiceTaskScheduleDefinitionFromConfig,
  SchedulerServiceTaskScheduleDefinition,
} from '@backstage/backend-plugin-api';
import { Config } from '@backstage/config';
import { searchIndexRegistryExtensionPoint } from '@backstage/plugin-search-backend-node/alpha';
import { environmentsServiceRef } from '@envmesh/plugin-environments-node';
import { EnvironmentsCollatorFactory } from './collator/EnvironmentsCollatorFactory';

const SCHEDULE_CONFIG_KEY = 'search.collators.environments.schedule';

const DEFAULT_SCHEDULE: SchedulerServiceTaskScheduleDefinition = {
  frequency: { minutes: 10 },
  timeout: { minutes: 15 },
  initialDelay: { seconds: 3 },
};

function readSchedule(config: Config): SchedulerServiceTaskScheduleDefinition {
  const scheduleConfig = config.getOptionalConfig(SCHEDULE_CONFIG_KEY);
  if (!scheduleConfig) {
    return DEFAULT_SCHEDULE;
  }
  try {
    return readSchedulerServiceTaskScheduleDefinitionFromConfig(scheduleConfig);
  } catch (error) {
    throw new Error(`Invalid schedule at ${SCHEDULE_CONFIG_KEY}, ${error}`);
  }
}

/**
 * Indexes envmesh environments in search, as documents of type `environment`.
 *
 * @public
 */
export const searchModuleEnvironmentsCollator = createBackendModule({
  pluginId: 'search',
  moduleId: 'environments-collator',
  register(reg) {
    reg.registerInit({
      deps: {
        config: coreServices.rootConfig,
        logger: coreServices.logger,
        scheduler: coreServices.scheduler,
        indexRegistry: searchIndexRegistryExtensionPoint,
        environments: environmentsServiceRef,
      },
      async init({ config, logger, scheduler, indexRegistry, environments }) {
        indexRegistry.addCollator({
          schedule: scheduler.createScheduledTaskRunner(readSchedule(config)),
          factory: EnvironmentsCollatorFactory.create({ logger, environments }),
        });
      },
    });
  },
});
