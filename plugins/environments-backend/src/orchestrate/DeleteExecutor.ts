import { CoreV1Api } from '@kubernetes/client-node';
import { ReleaseApplier } from '../apply';
import type { EnvironmentStore, InventoryStore } from '../store';
import { NamespaceWatchers } from '../watch';
import { IndexedStep, RolloutExecutor, RolloutRun } from './rolloutPlan';

/**
 * delete: every release's objects (services and feature instances), then the environment's own, then the
 * namespace; the environment is forgotten once all of it is gone.
 */
export class DeleteExecutor implements RolloutExecutor {
  constructor(
    private readonly deps: {
      environments: EnvironmentStore;
      inventories: InventoryStore;
      applier: ReleaseApplier;
      watchers: NamespaceWatchers;
    },
  ) {}

  async run({ operation, spec, kubeConfig, context, steps }: RolloutRun) {
    const { environments, applier, watchers } = this.deps;
    const inventories = await this.deps.inventories.listInventories(spec.name);
    const step = (kind: IndexedStep['kind']) => {
      const found = steps.find(s => s.kind === kind);
      if (!found) throw new Error(`a delete has no step '${kind}'`);
      return found.index;
    };
    await context.step(step('delete-services'), async () => {
      for (const inventory of inventories.filter(i => i.release !== '')) {
        await applier.deleteRelease(kubeConfig, inventory.objects);
      }
      return `${inventories.length - 1} service(s)`;
    });
    await context.step(step('delete-environment-objects'), async () => {
      const own = inventories.find(i => i.release === '');
      await applier.deleteRelease(kubeConfig, own?.objects ?? []);
    });
    await context.step(step('delete-namespace'), async () => {
      await watchers.stop(spec.cluster, spec.namespace);
      try {
        await kubeConfig
          .makeApiClient(CoreV1Api)
          .deleteNamespace({ name: spec.namespace });
      } catch (error) {
        if ((error as { code?: number }).code !== 404) throw error;
      }
      await context.log('info', `namespace ${spec.namespace} deleted`);
    });
    await environments.deleteEnvironment(operation.environment);
  }
}
