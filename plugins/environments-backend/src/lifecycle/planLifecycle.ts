import type {
  LifecycleAction,
  LifecycleSettings,
  SleepReason,
} from '@envmesh/plugin-environments-common';
import { nextFiring, scheduledState } from './sleepSchedule';

const HOUR = 3_600_000;

/** The configured thresholds (`environments.lifecycle`); zero turns a rule off. */
export interface LifecycleRules {
  /** An awake environment without activity this long sleeps. */
  idleSleepHours: number;
  /** A feature branch, or a disposable environment, without activity this long is deleted. */
  idleDeleteDays: number;
}

/** What the lifecycle rules need of an environment. */
export interface EnvironmentLifecycleFacts {
  name: string;
  lifecycle?: LifecycleSettings;
  asleepSince?: Date;
  sleepReason?: SleepReason;
  /** When it last woke (or was created). */
  awakeSince: Date;
  wakeUntil?: Date;
  /** The environment's own last activity or its feature branches', whichever is later. */
  lastActivityAt: Date;
}

/** What the lifecycle rules need of a feature branch. */
export interface FeatureLifecycleFacts {
  name: string;
  expiresAt?: Date;
  lastActivityAt: Date;
}

/** An automatic action and when it is due. */
export type PlannedAction = Omit<LifecycleAction, 'at'> & { at: Date };

const earliest = (actions: (PlannedAction | undefined)[]) =>
  actions
    .filter((a): a is PlannedAction => !!a)
    .sort((a, b) => a.at.getTime() - b.at.getTime())[0];

/**
 * The next automatic action on an environment (due when `at` is not after `now`), or none:
 * - awake: the schedule's sleep (at a window's opening after it last woke, or when a wake-until override
 *   ends inside an open window), idle sleep after `idleSleepHours` awake without activity (both wait for a
 *   wake-until), deletion of a disposable one after `idleDeleteDays` without activity;
 * - asleep: the schedule's wake when the window that put it to sleep closes (only a sleep the schedule made:
 *   a manual or idle sleep is not undone by the clock), deletion of a disposable one.
 */
export function nextEnvironmentAction(
  env: EnvironmentLifecycleFacts,
  rules: LifecycleRules,
  now: Date,
): PlannedAction | undefined {
  const schedule = env.lifecycle?.sleepSchedule;
  const deletion: PlannedAction | undefined =
    env.lifecycle?.disposable && rules.idleDeleteDays > 0
      ? {
          action: 'delete',
          reason: 'idle',
          at: new Date(
            env.lastActivityAt.getTime() + rules.idleDeleteDays * 24 * HOUR,
          ),
        }
      : undefined;
  if (env.asleepSince) {
    if (!schedule || env.sleepReason !== 'schedule') return deletion;
    const state = scheduledState(schedule, now);
    const wakeAt = state.asleep ? state.until : state.since ?? now;
    return earliest([
      { action: 'wake', reason: 'schedule', at: wakeAt },
      deletion,
    ]);
  }
  // An override holds off both kinds of sleep until it ends.
  const from = env.wakeUntil && env.wakeUntil > now ? env.wakeUntil : undefined;
  const idle: PlannedAction | undefined =
    rules.idleSleepHours > 0
      ? {
          action: 'sleep',
          reason: 'idle',
          // Idle while awake: the hours it slept do not count.
          at: new Date(
            Math.max(
              Math.max(env.lastActivityAt.getTime(), env.awakeSince.getTime()) +
                rules.idleSleepHours * HOUR,
              from?.getTime() ?? 0,
            ),
          ),
        }
      : undefined;
  return earliest([
    schedule && scheduledSleep(env, schedule, from ?? now),
    idle,
    deletion,
  ]);
}

function scheduledSleep(
  env: EnvironmentLifecycleFacts,
  schedule: NonNullable<LifecycleSettings['sleepSchedule']>,
  at: Date,
): PlannedAction {
  const state = scheduledState(schedule, at);
  if (state.asleep) {
    // A window that opened after the last wake, or a wake-until that ends inside the open window.
    if (env.wakeUntil && env.wakeUntil >= state.since) {
      return { action: 'sleep', reason: 'schedule', at: env.wakeUntil };
    }
    if (state.since > env.awakeSince) {
      return { action: 'sleep', reason: 'schedule', at: state.since };
    }
    // Woken inside this window: it sleeps at the next opening after the window closes.
    return {
      action: 'sleep',
      reason: 'schedule',
      at: nextFiring(schedule, 'sleep', state.until),
    };
  }
  return {
    action: 'sleep',
    reason: 'schedule',
    at: nextFiring(schedule, 'sleep', at),
  };
}

/** When a feature branch is deleted: at its TTL, or after `idleDeleteDays` without activity. */
export function nextFeatureDeletion(
  feature: FeatureLifecycleFacts,
  rules: LifecycleRules,
): PlannedAction | undefined {
  return earliest([
    feature.expiresAt && {
      action: 'delete',
      reason: 'ttl',
      at: feature.expiresAt,
    },
    rules.idleDeleteDays > 0
      ? {
          action: 'delete',
          reason: 'idle',
          at: new Date(
            feature.lastActivityAt.getTime() + rules.idleDeleteDays * 24 * HOUR,
          ),
        }
      : undefined,
  ]);
}
