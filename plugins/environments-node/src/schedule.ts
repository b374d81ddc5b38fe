import {
  readSchedulerServiceTaskScheduleDefinitionFromConfig,
  RootConfigService,
  SchedulerServiceTaskScheduleDefinition,
} from '@backstage/backend-plugin-api';

/**
 * The task schedule at `key` of the app config (the catalog provider's and the search collators'), or
 * `defaultSchedule` when the config has none there. Throws naming the key when it is malformed.
 *
 * @public
 */
export function readScheduleFromConfig(
  config: RootConfigService,
  key: string,
  defaultSchedule: SchedulerServiceTaskScheduleDefinition,
): SchedulerServiceTaskScheduleDefinition {
  try {
    const scheduleConfig = config.getOptionalConfig(key);
    return scheduleConfig
      ? readSchedulerServiceTaskScheduleDefinitionFromConfig(scheduleConfig)
      : defaultSchedule;
  } catch (error) {
    throw new Error(`Invalid schedule at ${key}, ${error}`);
  }
}
