export { ReleaseApplier, ApplyError } from './ReleaseApplier';
export { changedPaths } from './diff';
export type {
  ApplyInput,
  ApplyResult,
  DiffAction,
  DiffEntry,
  ReleaseApplierOptions,
} from './ReleaseApplier';
export { DynamicClient, isApiStatus, apiErrorMessage } from './DynamicClient';
export {
  contentHash,
  recordOf,
  stableStringify,
  usesContentHash,
  HASHED_KINDS,
} from './fingerprint';
export { kindRank, groupByRank, WORKLOAD_KINDS } from './kindOrder';
export { mapSettled } from './concurrency';
export { LABELS, MANAGER, formatRef, groupOf, refKey, refOf } from './types';
export type { ObjectRef, RecordedObject } from './types';
export type { ReleaseIdentity } from './ownership';
export { SecretWriter } from './SecretWriter';
