import { EnvironmentSpec } from '@envmesh/plugin-environments-common';
import { ObjectRef, refKey } from '../apply';
import type { InventoryStore } from '../store';
import { NamespaceWatchers } from '../watch';

/** A change envmesh itself made to an object of a release outside its apply, and the generation it gave. */
export interface OwnWrite {
  release: string;
  ref: ObjectRef;
  generation: number;
}

/**
 * Records the generations envmesh's own writes outside an apply gave a release's objects (a sleep or wake
 * scaling a workload, routing writing feature routes into a chart's VirtualService) as their drift baseline:
 * in the namespace's watcher, and in the stored inventories so that a restarted backend agrees.
 */
export async function recordOwnGenerations(
  deps: { inventories: InventoryStore; watchers: NamespaceWatchers },
  spec: Pick<EnvironmentSpec, 'name' | 'cluster' | 'namespace'>,
  writes: OwnWrite[],
): Promise<void> {
  if (!writes.length) return;
  const watcher = deps.watchers.forNamespace(spec.cluster, spec.namespace);
  const byRelease = new Map<string, Map<string, number>>();
  for (const { release, ref, generation } of writes) {
    watcher.recordGeneration(ref, generation);
    if (!byRelease.has(release)) byRelease.set(release, new Map());
    byRelease.get(release)!.set(refKey(ref), generation);
  }
  for (const [release, generations] of byRelease) {
    const inventory = await deps.inventories.getInventory(spec.name, release);
    if (!inventory) continue;
    await deps.inventories.setInventory(
      spec.name,
      release,
      inventory.map(object => {
        const generation = generations.get(refKey(object));
        return generation !== undefined && object.generation !== undefined
          ? { ...object, generation }
          : object;
      }),
    );
  }
}
