import {
  AuthService,
  LoggerService,
  SchedulerService,
} from '@backstage/backend-plugin-api';
import { ConflictError } from '@backstage/errors';
import type { GuardedCommands } from '../access';
import type { ActivitySource } from '@envmesh/plugin-environments-node';
import {
  LIFECYCLE_ACTOR,
  LifecycleConfig,
  latest,
  PlannedAction,
  lifecycleFactsOf,
  nextEnvironmentAction,
  nextFeatureDeletion,
} from '../lifecycle';
import type {
  LifecycleNotifier,
  LifecycleTarget,
} from '../notifications/LifecycleNotifier';
import type { EnvironmentStore, FeatureStore, LifecycleStore } from '../store';

const DAY = 86_400_000;
/** Webhook deliveries are remembered this long; providers redeliver within hours, not days. */
const DELIVERY_RETENTION_MS = 7 * DAY;

type Caller = Parameters<GuardedCommands['removeFeature']>[1];

/**
 * The lifecycle, as one global SchedulerService task (once per run across replicas): sleeps and wakes
 * environments by their schedules, sleeps idle ones, deletes idle disposable environments and feature
 * branches idle or past their TTL, and tells owners before each automatic sleep or deletion. Every action
 * goes through the guarded commands as `envmesh:lifecycle`, so it is authorized, audited and recorded as an
 * operation like a user's. A deletion waits until its notice has been out for `warnBeforeMinutes`.
 */
export class LifecycleTask {
  constructor(
    private readonly deps: {
      commands: GuardedCommands;
      environments: EnvironmentStore;
      features: FeatureStore;
      lifecycle: LifecycleStore;
      notifier: LifecycleNotifier;
      auth: AuthService;
      logger: LoggerService;
      config: LifecycleConfig;
      /** Requests served, as activity beside the recorded one. */
      activity: ActivitySource;
    },
  ) {}

  async schedule(scheduler: SchedulerService): Promise<void> {
    await scheduler.scheduleTask({
      id: 'environments-lifecycle',
      scope: 'global',
      frequency: { seconds: this.deps.config.intervalSeconds },
      timeout: { minutes: 5 },
      initialDelay: { seconds: Math.min(10, this.deps.config.intervalSeconds) },
      fn: async () => {
        await this.run();
      },
    });
  }

  /** One run at `now`; answers what it started, as `<action> <target>` lines. */
  async run(now = new Date()): Promise<string[]> {
    const { environments, features, lifecycle, config, activity } = this.deps;
    this.deps.logger.debug(`lifecycle run at ${now.toISOString()}`);
    const caller: Caller = {
      credentials: await this.deps.auth.getOwnServiceCredentials(),
      actor: LIFECYCLE_ACTOR,
    };
    // Every environment's and feature branch's next automatic action, with who is told of it.
    const planned: Array<[LifecycleTarget, PlannedAction | undefined]> = [];
    for (const env of await environments.listEnvironments()) {
      const requestedAt = await activity.lastRequestAt({
        environment: env.name,
      });
      planned.push([
        { kind: 'environment', name: env.name, owner: env.owner },
        nextEnvironmentAction(lifecycleFactsOf(env, requestedAt), config, now),
      ]);
    }
    const recorded = await lifecycle.listFeatureActivity();
    for (const feature of await features.listFeatures()) {
      const requestedAt = await activity.lastRequestAt({
        environment: feature.environment,
        feature: feature.name,
      });
      planned.push([
        { kind: 'feature', name: feature.name, owner: feature.owner },
        nextFeatureDeletion(
          {
            name: feature.name,
            expiresAt: feature.expiresAt
              ? new Date(feature.expiresAt)
              : undefined,
            lastActivityAt: latest(
              recorded.get(feature.name) ?? now,
              requestedAt,
            ),
          },
          config,
        ),
      ]);
    }
    const started: string[] = [];
    for (const [target, next] of planned) {
      if (next && (await this.#due(target, next, now))) {
        const done = await this.#act(target, next, caller);
        if (done) started.push(done);
      }
    }
    if (started.length) {
      this.deps.logger.info(`lifecycle started: ${started.join(', ')}`);
    }
    await features.pruneDeliveries(
      new Date(now.getTime() - DELIVERY_RETENTION_MS),
    );
    await lifecycle.pruneNotices(new Date(now.getTime() - 7 * DAY));
    return started;
  }

  /**
   * Whether an action is due now. Sleeps and deletions are announced once, `warnBeforeMs` ahead; a deletion
   * whose notice went out late (or not yet) waits until it has been out that long. A wake is not announced.
   */
  async #due(target: LifecycleTarget, next: PlannedAction, now: Date) {
    const { warnBeforeMs } = this.deps.config;
    if (next.action === 'wake') return next.at <= now;
    const notice = {
      target: `${target.kind}:${target.name}`,
      action: next.action,
      dueAt: next.at,
    };
    if (next.at.getTime() - warnBeforeMs > now.getTime()) return false;
    let sentAt = await this.deps.lifecycle.noticeSentAt(notice);
    if (!sentAt) {
      await this.deps.notifier.announce(target, next);
      await this.deps.lifecycle.recordNotice(notice, now);
      sentAt = now;
    }
    if (next.at > now) return false;
    return (
      next.action === 'sleep' ||
      now.getTime() - sentAt.getTime() >= warnBeforeMs
    );
  }

  /** Starts the action through the guarded commands; one refused because another operation runs waits. */
  async #act(target: LifecycleTarget, next: PlannedAction, caller: Caller) {
    const { commands } = this.deps;
    try {
      if (target.kind === 'feature') {
        await commands.removeFeature(target.name, caller);
      } else if (next.action === 'delete') {
        // Its feature branches go with it: they were idle as long (their activity is the environment's).
        await commands.deleteEnvironment(target.name, caller, {
          cascade: true,
        });
      } else if (next.action === 'sleep') {
        await commands.sleepEnvironment(
          target.name,
          caller,
          next.reason === 'idle' ? 'idle' : 'schedule',
        );
      } else {
        await commands.wakeEnvironment(target.name, {}, caller);
      }
      return `${next.action} ${target.kind} ${target.name} (${next.reason})`;
    } catch (error) {
      if (error instanceof ConflictError) return undefined;
      this.deps.logger.warn(
        `lifecycle could not ${next.action} ${target.kind} ${target.name}: ${error}`,
      );
      return undefined;
    }
  }
}
