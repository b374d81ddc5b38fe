import { ConflictError } from '@backstage/errors';
import type { SleepReason } from '@envmesh/plugin-environments-common';
import { requireEnvironment } from '../queries/EnvironmentReader';
import {
  parseInput,
  updateLifecycleInput,
  wakeInput,
} from '../requests/validation';
import type {
  EnvironmentStore,
  LifecycleStore,
  OperationStore,
} from '../store';
import { OperationStarter } from './OperationStarter';

/**
 * Sleep, wake and the lifecycle settings of environments: a sleep or wake is an operation; the sleep
 * schedule, disposability, a wake-until override and "keep" are settings the lifecycle task acts on.
 */
export class LifecycleCommands {
  constructor(
    private readonly deps: {
      environments: EnvironmentStore;
      operations: OperationStore;
      lifecycle: LifecycleStore;
      starter: OperationStarter;
      settings: {
        /** What a change to a sleeping environment does: wake it first, or be refused. */
        whenAsleep: 'wake' | 'refuse';
      };
    },
  ) {}

  /** Scales every workload to zero (see EnvironmentRollout); 409 when it already sleeps. */
  async sleepEnvironment(
    name: string,
    actor: string,
    reason: SleepReason = 'manual',
  ) {
    const spec = await requireEnvironment(this.deps.environments, name);
    if (spec.asleepSince) {
      throw new ConflictError(
        `environment '${name}' is already asleep (since ${spec.asleepSince})`,
      );
    }
    // A feature instance deployed while the sleep runs would stay awake.
    const deploying = (
      await this.deps.operations.listOperations({ environment: name })
    ).find(o => o.feature && (o.state === 'pending' || o.state === 'running'));
    if (deploying) {
      throw new ConflictError(
        `environment '${name}' has operation ${deploying.id} (${deploying.type} of feature branch '${deploying.feature}') in progress`,
      );
    }
    return this.deps.starter.start(
      'sleep',
      spec,
      actor,
      {},
      {
        persist: ({ environments }) =>
          environments.setAsleep(name, new Date(), reason),
      },
    );
  }

  /**
   * Scales the workloads back, group by group; 409 when it is awake. With `until`, schedule and idle sleep
   * leave it awake until then.
   */
  async wakeEnvironment(name: string, body: unknown, actor: string) {
    const { until } = parseInput(wakeInput, body);
    const spec = await requireEnvironment(this.deps.environments, name);
    if (!spec.asleepSince) {
      throw new ConflictError(`environment '${name}' is awake`);
    }
    return this.deps.starter.start(
      'wake',
      spec,
      actor,
      until ? { until: until.toISOString() } : {},
      {
        persist: async ({ environments, lifecycle }) => {
          await environments.setAsleep(name);
          if (until)
            await lifecycle.updateLifecycle(name, { wakeUntil: until });
        },
      },
    );
  }

  /**
   * Before a feature deploy (or redeploy) to a sleeping environment: wakes it when `lifecycle.whenAsleep` says
   * `wake` (the deploy then finds it awake), else refuses the deploy with the reason (409).
   */
  async wakeForChange(name: string, actor: string, change = 'deploying') {
    const env = await requireEnvironment(this.deps.environments, name);
    if (!env.asleepSince) return;
    if (this.deps.settings.whenAsleep !== 'wake') {
      throw new ConflictError(
        `environment '${name}' is asleep; wake it before ${change} feature branches to it`,
      );
    }
    await this.wakeEnvironment(name, {}, actor);
  }

  /**
   * Sets the sleep schedule (null removes it), disposability and the wake-until override (null ends it);
   * fields left out keep their values. No operation: the lifecycle task acts on them at its next run.
   */
  async updateLifecycle(name: string, body: unknown) {
    const input = parseInput(updateLifecycleInput, body);
    const current = await requireEnvironment(this.deps.environments, name);
    const { sleepSchedule, ...settings } = {
      ...current.lifecycle,
      ...(input.disposable !== undefined && { disposable: input.disposable }),
      ...(input.sleepSchedule !== undefined && {
        sleepSchedule: input.sleepSchedule,
      }),
    };
    await this.deps.lifecycle.updateLifecycle(name, {
      settings: sleepSchedule ? { ...settings, sleepSchedule } : settings,
      wakeUntil: input.wakeUntil,
    });
  }

  /**
   * Keeps the environment from idling: the activity itself is what every guarded mutation records (see
   * GuardedCommands), so this only checks that there is such an environment.
   */
  async keep(name: string) {
    await requireEnvironment(this.deps.environments, name);
  }
}
