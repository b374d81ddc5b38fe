import { EnvironmentStore } from './EnvironmentStore';
import { FeatureStore } from './FeatureStore';
import { InventoryStore } from './InventoryStore';
import { LifecycleStore } from './LifecycleStore';
import { OperationStore } from './OperationStore';
import { RevisionStore } from './RevisionStore';
import { ServiceRegistryStore } from './ServiceRegistryStore';

/**
 * The plugin's stores, all over one database.
 *
 * @internal
 */
export interface EnvironmentsStores {
  environments: EnvironmentStore;
  operations: OperationStore;
  inventories: InventoryStore;
  revisions: RevisionStore;
  registry: ServiceRegistryStore;
  features: FeatureStore;
  lifecycle: LifecycleStore;
}

/**
 * Runs `fn` with stores whose reads and writes all belong to one transaction, committed when `fn` resolves
 * and rolled back when it throws: for a command that writes more than one aggregate (an environment's spec
 * and its operation, say). Inside, use only the stores it hands over (SQLite has one connection).
 *
 * @internal
 */
export type StoreTransaction = <T>(
  fn: (stores: EnvironmentsStores) => Promise<T>,
) => Promise<T>;
