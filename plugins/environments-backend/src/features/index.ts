export {
  SERVICE_POD_LABEL,
  isolateBaseRelease,
  serviceSelections,
} from './baseRelease';
export type { ServiceSelection } from './baseRelease';
export { featureInstanceObjects } from './featureInstanceObjects';
export type { FeatureInstanceOptions } from './featureInstanceObjects';
export {
  ISOLATION_HOOK_LABEL,
  collectIsolation,
  hookSegment,
  isolationJob,
} from './collectIsolation';
export type {
  CollectIsolationContext,
  FeatureIsolation,
} from './collectIsolation';
export {
  DEFAULT_ISOLATION_ENV,
  cacheMapHook,
  configuredJobHook,
  featureSchemaName,
  isolationHooksFromConfig,
  schemaNameHook,
  topicPrefixHook,
} from './isolationHooks';
export type { ConfiguredIsolationJob } from './isolationHooks';
export { placementFromConfig } from './placement';
export type { FeaturePlacement } from './placement';
