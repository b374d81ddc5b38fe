import {
  EnvironmentSpec,
  OperationType,
} from '@envmesh/plugin-environments-common';
import type { ClusterSupplier } from '../clusters';
import type { EnvironmentStore, StoredOperation } from '../store';
import { OperationContext } from './OperationRunner';
import {
  PersistedStep,
  RolloutExecutor,
  RolloutStep,
  parseStep,
  persistStep,
  planRollout,
} from './rolloutPlan';
import { StartupGroups } from './StartupGroups';

/**
 * Carries out environment operations as persisted step lists: plans the typed steps of an operation (see
 * planRollout) and hands them, read back from the store, to the executor of its kind — converge (create,
 * update, copy, rollback), scale (sleep, wake) or delete.
 */
export class EnvironmentRollout {
  constructor(
    private readonly deps: {
      environments: EnvironmentStore;
      clusters: ClusterSupplier;
      groups: StartupGroups;
      executors: {
        converge: RolloutExecutor;
        scale: RolloutExecutor;
        delete: RolloutExecutor;
      };
    },
  ) {}

  /** The steps of an operation on an environment with this spec, in order, as the store persists them. */
  async plan(
    type: OperationType,
    spec: EnvironmentSpec,
  ): Promise<PersistedStep[]> {
    const definitions =
      type === 'delete' ? new Map() : await this.deps.groups.definitions();
    return planRollout(type, spec, definitions).map(persistStep);
  }

  async execute(operation: StoredOperation, context: OperationContext) {
    const spec = await this.deps.environments.getEnvironment(
      operation.environment,
    );
    if (!spec) {
      throw new Error(
        `environment '${operation.environment}' no longer exists`,
      );
    }
    const { executors } = this.deps;
    let executor = executors.converge;
    if (operation.type === 'delete') executor = executors.delete;
    if (operation.type === 'sleep' || operation.type === 'wake') {
      executor = executors.scale;
    }
    const steps = operation.steps.map(step => ({
      ...parseStep(step),
      index: step.index,
    }));
    const run = {
      operation,
      spec,
      kubeConfig: this.deps.clusters.kubeConfig(spec.cluster),
      context,
    };
    // A change that wakes its sleeping environment first: the wake's steps come before the change's own.
    const wakeSteps =
      executor === executors.scale ? 0 : leadingWakeSteps(steps);
    if (wakeSteps > 0) {
      await executors.scale.run({ ...run, steps: steps.slice(0, wakeSteps) });
    }
    await executor.run({ ...run, steps: steps.slice(wakeSteps) });
  }
}

/** How many of the steps, from the first, scale groups up and wait for them. */
function leadingWakeSteps(steps: RolloutStep[]): number {
  const end = steps.findIndex(
    step => step.kind !== 'scale-up' && step.kind !== 'wait-ready',
  );
  const wake = end === -1 ? steps : steps.slice(0, end);
  return wake.some(step => step.kind === 'scale-up') ? wake.length : 0;
}
