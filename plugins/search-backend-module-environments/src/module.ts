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
import { FeatureBranchesCollatorFactory } from './collator/FeatureBranchesCollatorFactory';

const ENVIRONMENTS_SCHEDULE_KEY = 'search.collators.environments.schedule';
const FEATURE_BRANCHES_SCHEDULE_KEY =
  'search.collators.featureBranches.schedule';

const DEFAULT_SCHEDULE: SchedulerServiceTaskScheduleDefinition = {
  frequency: { minutes: 10 },
  timeout: { minutes: 15 },
  initialDelay: { seconds: 3 },
};

function readSchedule(
  config: Config,
  key: string,
): SchedulerServiceTaskScheduleDefinition {
  const scheduleConfig = config.getOptionalConfig(key);
  if (!scheduleConfig) {
    return DEFAULT_SCHEDULE;
  }
  try {
    return readSchedulerServiceTaskScheduleDefinitionFromConfig(scheduleConfig);
  } catch (error) {
    throw new Error(`Invalid schedule at ${key}, ${error}`);
  }
}

/**
 * Indexes envmesh environments and feature branches in search, as documents of type `environment` and
 * `feature-branch`.
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
        auth: coreServices.auth,
        scheduler: coreServices.scheduler,
        indexRegistry: searchIndexRegistryExtensionPoint,
        environments: environmentsServiceRef,
      },
      async init({
        config,
        logger,
        auth,
        scheduler,
        indexRegistry,
        environments,
      }) {
        indexRegistry.addCollator({
          schedule: scheduler.createScheduledTaskRunner(
            readSchedule(config, ENVIRONMENTS_SCHEDULE_KEY),
          ),
          factory: EnvironmentsCollatorFactory.create({
            logger,
            auth,
            environments,
          }),
        });
        indexRegistry.addCollator({
          schedule: scheduler.createScheduledTaskRunner(
            readSchedule(config, FEATURE_BRANCHES_SCHEDULE_KEY),
          ),
          factory: FeatureBranchesCollatorFactory.create({
            logger,
            auth,
            environments,
          }),
        });
      },
    });
  },
});
