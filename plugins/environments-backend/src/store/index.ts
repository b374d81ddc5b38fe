export type { EnvironmentStore } from './EnvironmentStore';
export type { FeatureStore, NewFeature } from './FeatureStore';
export type { InventoryStore } from './InventoryStore';
export type { LifecycleNoticeKey, LifecycleStore } from './LifecycleStore';
export type { OperationStore } from './OperationStore';
export type { RevisionStore } from './RevisionStore';
export type { ServiceRegistryStore } from './ServiceRegistryStore';
export type { EnvironmentsStores, StoreTransaction } from './StoreTransaction';
export { DatabaseEnvironmentStore } from './DatabaseEnvironmentStore';
export { DatabaseFeatureStore } from './DatabaseFeatureStore';
export { DatabaseInventoryStore } from './DatabaseInventoryStore';
export { DatabaseLifecycleStore } from './DatabaseLifecycleStore';
export { DatabaseOperationStore } from './DatabaseOperationStore';
export { DatabaseRevisionStore } from './DatabaseRevisionStore';
export { DatabaseServiceRegistryStore } from './DatabaseServiceRegistryStore';
export { createDatabaseStores } from './DatabaseStores';
export type { DatabaseStores } from './DatabaseStores';
export { applyDatabaseMigrations } from './migrations';
export type {
  Inventory,
  InventoryObject,
  NewOperation,
  NewRevision,
  OperationLogLevel,
  OperationLogLine,
  OperationStepPatch,
  StoredChart,
  StoredEnvironment,
  StoredOperation,
} from './types';
