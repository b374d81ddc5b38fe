import type { EnvironmentLifecycle } from '@envmesh/plugin-environments-common';
import {
  LifecycleConfig,
  lifecycleFactsOf,
  nextEnvironmentAction,
} from '../lifecycle';
import type { EnvironmentStore } from '../store';
import { requireEnvironment } from './EnvironmentReader';

/** An environment's lifecycle as the API shows it: its settings, state and next automatic action. */
export class LifecycleReader {
  constructor(
    private readonly deps: {
      environments: EnvironmentStore;
      rules: LifecycleConfig;
    },
  ) {}

  async getLifecycle(
    name: string,
    now = new Date(),
  ): Promise<EnvironmentLifecycle> {
    const env = await requireEnvironment(this.deps.environments, name);
    const next = nextEnvironmentAction(
      lifecycleFactsOf(env),
      this.deps.rules,
      now,
    );
    return {
      environment: env.name,
      ...(env.lifecycle?.sleepSchedule && {
        sleepSchedule: env.lifecycle.sleepSchedule,
      }),
      disposable: env.lifecycle?.disposable ?? false,
      state: env.asleepSince ? 'asleep' : 'awake',
      ...(env.asleepSince && {
        asleepSince: env.asleepSince,
        sleepReason: env.sleepReason,
      }),
      ...(env.wakeUntil &&
        new Date(env.wakeUntil) > now && { wakeUntil: env.wakeUntil }),
      lastActivityAt: env.lastActivityAt,
      ...(next && { next: { ...next, at: next.at.toISOString() } }),
    };
  }
}
