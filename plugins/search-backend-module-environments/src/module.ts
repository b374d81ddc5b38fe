import {
  coreServices,
  createBackendModule,
  LoggerService,
  readSchedulerServiceTaskScheduleDefinitionFromConfig,
  SchedulerService,
  SchedulerServiceTaskRunner,
  SchedulerServiceTaskScheduleDefinition,
} from '@backstage/backend-plugin-api';
import { Config } from '@backstage/config';
import { eventsServiceRef } from '@backstage/plugin-events-node';
import { searchIndexRegistryExtensionPoint } from '@backstage/plugin-search-backend-node/alpha';
import {
  ENVIRONMENTS_OPERATIONS_TOPIC,
  environmentsServiceRef,
  EnvironmentsOperationEvent,
} from '@envmesh/plugin-environments-node';
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
 * A collator's schedule that can also be run now: the search plugin gives the runner its task (and task id)
 * when it schedules the collator, and `runNow` triggers that task through the scheduler, once across
 * replicas. A task already running or not scheduled yet is left to its schedule.
 */
function runnableNow(
  scheduler: SchedulerService,
  schedule: SchedulerServiceTaskScheduleDefinition,
  logger: LoggerService,
) {
  const runner = scheduler.createScheduledTaskRunner(schedule);
  let taskId: string | undefined;
  const schedulable: SchedulerServiceTaskRunner = {
    run: task => {
      taskId = task.id;
      return runner.run(task);
    },
  };
  const runNow = async () => {
    if (!taskId) return;
    try {
      await scheduler.triggerTask(taskId);
    } catch (error) {
      logger.debug(`${taskId} not triggered now: ${error}`);
    }
  };
  return { schedulable, runNow };
}

/**
 * Indexes envmesh environments and feature branches in search, as documents of type `environment` and
 * `feature-branch`, on their schedules and again as soon as an envmesh operation ends (the
 * `envmesh.operations` topic of the events service), so a new or removed environment is found at once.
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
        events: eventsServiceRef,
      },
      async init({
        config,
        logger,
        auth,
        scheduler,
        indexRegistry,
        environments,
        events,
      }) {
        const environmentsIndex = runnableNow(
          scheduler,
          readSchedule(config, ENVIRONMENTS_SCHEDULE_KEY),
          logger,
        );
        const featuresIndex = runnableNow(
          scheduler,
          readSchedule(config, FEATURE_BRANCHES_SCHEDULE_KEY),
          logger,
        );
        indexRegistry.addCollator({
          schedule: environmentsIndex.schedulable,
          factory: EnvironmentsCollatorFactory.create({
            logger,
            auth,
            environments,
          }),
        });
        indexRegistry.addCollator({
          schedule: featuresIndex.schedulable,
          factory: FeatureBranchesCollatorFactory.create({
            logger,
            auth,
            environments,
          }),
        });
        await events.subscribe({
          id: 'search-environments-collator',
          topics: [ENVIRONMENTS_OPERATIONS_TOPIC],
          onEvent: async ({ eventPayload }) => {
            const { event } =
              eventPayload as Partial<EnvironmentsOperationEvent>;
            if (event !== undefined && event !== 'finished') return;
            // Any operation can change a feature branch (an environment deleted takes its features along).
            await Promise.all([
              environmentsIndex.runNow(),
              featuresIndex.runNow(),
            ]);
          },
        });
      },
    });
  },
});
