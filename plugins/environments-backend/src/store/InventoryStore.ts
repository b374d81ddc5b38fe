import { Inventory, InventoryObject } from './types';

/**
 * What each release of an environment last applied, for pruning and drift.
 *
 * @internal
 */
export interface InventoryStore {
  getInventory(
    environment: string,
    release: string,
  ): Promise<InventoryObject[] | undefined>;

  setInventory(
    environment: string,
    release: string,
    objects: InventoryObject[],
  ): Promise<void>;

  deleteInventory(environment: string, release: string): Promise<void>;

  listInventories(environment: string): Promise<Inventory[]>;

  /** The inventories of the environment deployed to a cluster's namespace (none when there is none). */
  listNamespaceInventories(
    cluster: string,
    namespace: string,
  ): Promise<Inventory[]>;
}
