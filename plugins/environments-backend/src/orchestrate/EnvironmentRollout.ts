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
    await executor.run({
      operation,
      spec,
      kubeConfig: this.deps.clusters.kubeConfig(spec.cluster),
      context,
      steps: operation.steps.map(step => ({
        ...parseStep(step),
        index: step.index,
      })),
    });
  }
}
