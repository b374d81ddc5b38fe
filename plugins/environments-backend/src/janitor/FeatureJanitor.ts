import {
  LoggerService,
  SchedulerService,
  SchedulerServiceTaskScheduleDefinition,
} from '@backstage/backend-plugin-api';
import { FeatureCommands } from '../commands/FeatureCommands';
import type { FeatureStore } from '../store';

/** Webhook deliveries are remembered this long; providers redeliver within hours, not days. */
const DELIVERY_RETENTION_MS = 7 * 24 * 3600_000;

/**
 * The scheduled cleanup: removes feature branches whose TTL ran out (routes first, through the normal
 * remove-feature operation) and forgets old webhook deliveries. Runs as a global SchedulerService task, so
 * once per schedule across all backend replicas.
 */
export class FeatureJanitor {
  constructor(
    private readonly deps: {
      features: FeatureCommands;
      featureStore: FeatureStore;
      logger: LoggerService;
    },
  ) {}

  async schedule(
    scheduler: SchedulerService,
    schedule: SchedulerServiceTaskScheduleDefinition,
  ): Promise<void> {
    await scheduler.scheduleTask({
      id: 'environments-feature-janitor',
      scope: 'global',
      ...schedule,
      fn: async () => {
        await this.run();
      },
    });
  }

  async run(now = new Date()): Promise<string[]> {
    const removed = await this.deps.features.removeExpired(now);
    if (removed.length) {
      this.deps.logger.info(
        `feature branches past their TTL, removal started: ${removed.join(
          ', ',
        )}`,
      );
    }
    await this.deps.featureStore.pruneDeliveries(
      new Date(now.getTime() - DELIVERY_RETENTION_MS),
    );
    return removed;
  }
}
