import {
  coreServices,
  createBackendModule,
  LoggerService,
  SchedulerService,
  SchedulerServiceTaskRunner,
  SchedulerServiceTaskScheduleDefinition,
} from '@backstage/backend-plugin-api';
import { eventsServiceRef } from '@backstage/plugin-events-node';
import { searchIndexRegistryExtensionPoint } from '@backstage/plugin-search-backend-node/alpha';
import {
  ENVIRONMENTS_OPERATIONS_TOPIC,
  environmentsServiceRef,
  EnvironmentsOperationEvent,
  readScheduleFromConfig,
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
      // `readers`: the logger, auth and environments engine the collators read with.
      async init({ config, scheduler, indexRegistry, events, ...readers }) {
        const scheduleAt = (key: string) =>
          runnableNow(
            scheduler,
            readScheduleFromConfig(config, key, DEFAULT_SCHEDULE),
            readers.logger,
          );
        const environmentsIndex = scheduleAt(ENVIRONMENTS_SCHEDULE_KEY);
        const featuresIndex = scheduleAt(FEATURE_BRANCHES_SCHEDULE_KEY);
        indexRegistry.addCollator({
          schedule: environmentsIndex.schedulable,
          factory: EnvironmentsCollatorFactory.create(readers),
        });
        indexRegistry.addCollator({
          schedule: featuresIndex.schedulable,
          factory: FeatureBranchesCollatorFactory.create(readers),
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
