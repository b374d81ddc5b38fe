export { DatabaseEnvironmentStore } from './DatabaseEnvironmentStore';
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
export { DatabaseFeatureStore } from './DatabaseFeatureStore';
export type { NewFeature } from './DatabaseFeatureStore';
