import { EnvironmentSpec } from '@envmesh/plugin-environments-common';
import { ApplyError, ReleaseApplier } from '../apply';
import type { ApplyInput, ApplyResult, RecordedObject } from '../apply';
import type { InventoryStore } from '../store';
import { NamespaceWatchers } from '../watch';

/**
 * Applies a release and keeps what it applied: the inventory in the store (with each object's drift
 * baseline, so a restarted backend still tells drift) and in the namespace's watcher. When the apply fails
 * part-way, the previous inventory plus what was applied is stored, so that objects created before the
 * failure are pruned by the next apply instead of leaking.
 */
export async function recordedApply(
  deps: {
    inventories: InventoryStore;
    applier: ReleaseApplier;
    watchers: NamespaceWatchers;
  },
  target: {
    env: Pick<EnvironmentSpec, 'name' | 'cluster' | 'namespace'>;
    /** The inventory's name in the store (a feature instance's differs from the applied release). */
    release: string;
    /** Objects the release owns that the apply does not write (the environment's Secrets). */
    extra?: RecordedObject[];
  },
  input: ApplyInput,
): Promise<ApplyResult> {
  const { inventories, applier, watchers } = deps;
  const { env, release, extra = [] } = target;
  let result: ApplyResult;
  try {
    result = await applier.apply(input);
  } catch (error) {
    if (error instanceof ApplyError) {
      await inventories.setInventory(env.name, release, [
        ...error.partialInventory,
        ...extra,
      ]);
    }
    throw error;
  }
  const recorded = [...result.recorded, ...extra];
  await inventories.setInventory(env.name, release, recorded);
  await watchers
    .forNamespace(env.cluster, env.namespace)
    .trackInventory(release, recorded);
  return result;
}
