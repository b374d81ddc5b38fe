import type { EnvironmentLifecycle } from '@envmesh/plugin-environments-common';
import type { ActivitySource } from '@envmesh/plugin-environments-node';
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
      activity: ActivitySource;
    },
  ) {}

  async getLifecycle(
    name: string,
    now = new Date(),
  ): Promise<EnvironmentLifecycle> {
    const env = await requireEnvironment(this.deps.environments, name);
    const facts = lifecycleFactsOf(
      env,
      await this.deps.activity.lastRequestAt({ environment: name }),
    );
    const next = nextEnvironmentAction(facts, this.deps.rules, now);
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
      lastActivityAt: facts.lastActivityAt.toISOString(),
      ...(next && { next: { ...next, at: next.at.toISOString() } }),
    };
  }
}
