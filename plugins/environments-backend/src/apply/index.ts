export { ReleaseApplier, ApplyError } from './ReleaseApplier';

export type { ApplyInput, ApplyResult, DiffEntry } from './ReleaseApplier';
export { DynamicClient, isApiStatus, apiErrorMessage } from './DynamicClient';
export { stableStringify } from './fingerprint';
export { WORKLOAD_KINDS } from './kindOrder';
export { mapSettled } from './concurrency';
export { LABELS, formatRef, refKey, refOf } from './types';
export type { ObjectRef, RecordedObject } from './types';
export type { ReleaseIdentity } from './ownership';
export { SecretWriter } from './SecretWriter';
