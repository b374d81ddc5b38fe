import { Config } from '@backstage/config';
import type { StoredEnvironment } from '../store';
import type {
  EnvironmentLifecycleFacts,
  LifecycleRules,
} from './planLifecycle';

/** Who the lifecycle task's sleeps, wakes and deletions are recorded as done by. */
export const LIFECYCLE_ACTOR = 'envmesh:lifecycle';

/** `environments.lifecycle`, with its defaults. */
export interface LifecycleConfig extends LifecycleRules {
  /** How often the lifecycle task runs. */
  intervalSeconds: number;
  /** How long before an automatic sleep or deletion its owner is told. */
  warnBeforeMs: number;
  /** What a change or feature deploy to a sleeping environment does: wake it first, or be refused. */
  whenAsleep: 'wake' | 'refuse';
}

export function lifecycleRulesFromConfig(config: Config): LifecycleConfig {
  const settings = config.getOptionalConfig('environments.lifecycle');
  const whenAsleep = settings?.getOptionalString('whenAsleep') ?? 'refuse';
  if (whenAsleep !== 'wake' && whenAsleep !== 'refuse') {
    // A configuration error, found at startup: no request to answer with a 400.
    throw new Error(
      `Invalid config at environments.lifecycle.whenAsleep: must be 'wake' or 'refuse', not '${whenAsleep}'`,
    );
  }
  return {
    intervalSeconds:
      settings?.getOptionalNumber('intervalSeconds') ??
      // Where the interval was set when the task only removed expired feature branches.
      config.getOptionalNumber(
        'environments.features.janitor.intervalSeconds',
      ) ??
      60,
    idleSleepHours: settings?.getOptionalNumber('idleSleepHours') ?? 12,
    idleDeleteDays: settings?.getOptionalNumber('idleDeleteDays') ?? 14,
    warnBeforeMs:
      (settings?.getOptionalNumber('warnBeforeMinutes') ?? 60) * 60_000,
    whenAsleep,
  };
}

/**
 * What the rules need of a stored environment; `requestedAt`, when an activity source saw it serve requests
 * later than its last recorded activity, counts as activity.
 */
export function lifecycleFactsOf(
  env: StoredEnvironment,
  requestedAt?: Date,
): EnvironmentLifecycleFacts {
  const date = (iso?: string) => (iso ? new Date(iso) : undefined);
  return {
    name: env.name,
    lifecycle: env.lifecycle,
    asleepSince: date(env.asleepSince),
    sleepReason: env.sleepReason,
    awakeSince: new Date(env.awakeSince ?? env.createdAt),
    wakeUntil: date(env.wakeUntil),
    lastActivityAt: latest(new Date(env.lastActivityAt), requestedAt),
  };
}

/** The later of a recorded activity and the requests an activity source saw. */
export function latest(recorded: Date, requestedAt?: Date): Date {
  return requestedAt && requestedAt > recorded ? requestedAt : recorded;
}
