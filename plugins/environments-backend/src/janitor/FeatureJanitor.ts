import {
  AuthService,
  LoggerService,
  SchedulerService,
  SchedulerServiceTaskScheduleDefinition,
} from '@backstage/backend-plugin-api';
import { ConflictError } from '@backstage/errors';
import type { GuardedCommands } from '../access';
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
      commands: GuardedCommands;
      featureStore: FeatureStore;
      auth: AuthService;
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
    const removed = await this.#removeExpired(now);
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

  /**
   * Starts the removal of every feature branch whose TTL has run out (routes first, as any removal), as the
   * plugin's own service through the same authorize-and-audit step as a user's removal. One that already has
   * an operation in progress is left for the next run.
   */
  async #removeExpired(now: Date): Promise<string[]> {
    const expired = await this.deps.featureStore.listFeatures({
      expiredBefore: now,
    });
    const caller = {
      credentials: await this.deps.auth.getOwnServiceCredentials(),
      actor: 'envmesh:ttl-janitor',
    };
    const started: string[] = [];
    for (const feature of expired) {
      try {
        await this.deps.commands.removeFeature(feature.name, caller);
        started.push(feature.name);
      } catch (error) {
        if (!(error instanceof ConflictError)) throw error;
      }
    }
    return started;
  }
}
