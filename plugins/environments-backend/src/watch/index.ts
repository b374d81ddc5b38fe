export { NamespaceWatcher, WorkloadNotReadyError } from './NamespaceWatcher';
export type {
  DriftEntry,
  NamespaceWatcherOptions,
  ReleaseBaseline,
  WaitOptions,
  WorkloadStatus,
} from './NamespaceWatcher';
export { NamespaceWatchers } from './NamespaceWatchers';
export type { NamespaceWatchersOptions } from './NamespaceWatchers';
export { KindWatch } from './KindWatch';
export type {
  BackoffOptions,
  KindWatchOptions,
  WatchEventType,
} from './KindWatch';
export {
  readinessOf,
  matchesSelector,
  podProblems,
  summarizePodProblems,
  imagesOf,
  WATCHED_WORKLOADS,
} from './readiness';
export type { Readiness, WatchedKind } from './readiness';
