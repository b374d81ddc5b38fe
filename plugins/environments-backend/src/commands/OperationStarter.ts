import {
  EnvironmentSpec,
  OperationType,
} from '@envmesh/plugin-environments-common';
import { EnvironmentRollout } from '../orchestrate/EnvironmentRollout';
import { OperationRunner } from '../orchestrate/OperationRunner';
import { summary } from '../queries/OperationQueries';
import type { EnvironmentsStores, StoreTransaction } from '../store';

/** What an operation changes beside recording itself. */
export interface OperationChanges {
  /** The desired state it converges to, written in the operation's transaction. */
  persist?: (stores: EnvironmentsStores) => Promise<void>;
  /** Cluster-side changes that cannot wait for the runner (a request's secret values). */
  inCluster?: () => Promise<void>;
  /** The operation wakes the sleeping environment before its own steps. */
  wakeFirst?: boolean;
}

/**
 * Starts environment operations for the commands: records a new operation and the desired state it
 * converges to (`persist`), then makes the cluster-side changes that cannot wait for the runner
 * (`inCluster`), all in one transaction: a 409 (another operation runs), a taken name or a failed secret
 * write leave the store unchanged and write nothing to the cluster. The runner sees the operation once it is
 * committed.
 */
export class OperationStarter {
  constructor(
    private readonly deps: {
      transaction: StoreTransaction;
      rollout: EnvironmentRollout;
      runner: OperationRunner;
    },
  ) {}

  async start(
    type: OperationType,
    spec: EnvironmentSpec,
    actor: string,
    params: Record<string, unknown>,
    changes: OperationChanges = {},
  ) {
    // Planned before the transaction: it reads the registry, and SQLite has one connection.
    const steps = await this.deps.rollout.plan(type, spec);
    if (changes.wakeFirst) {
      steps.unshift(...(await this.deps.rollout.plan('wake', spec)));
    }
    const operation = await this.deps.transaction(async stores => {
      const created = await stores.operations.createOperation({
        environment: spec.name,
        type,
        actor,
        // The cost ledger's sleep history counts the operation as a wake.
        params: changes.wakeFirst ? { ...params, wokeFirst: true } : params,
        steps,
      });
      if (changes.wakeFirst) await stores.environments.setAsleep(spec.name);
      await changes.persist?.(stores);
      await changes.inCluster?.();
      return created;
    });
    this.deps.runner.wake();
    return summary(operation);
  }
}
