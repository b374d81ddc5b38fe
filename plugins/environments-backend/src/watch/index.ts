export { NamespaceWatcher } from './NamespaceWatcher';
export type {
  DriftEntry,
  NamespaceWatcherOptions,
  WorkloadStatus,
} from './NamespaceWatcher';
export type { ReleaseBaseline } from './DriftTracker';
export { WorkloadNotReadyError } from './ReadinessWaiter';
export type { WaitOptions } from './ReadinessWaiter';
export { NamespaceWatchers } from './NamespaceWatchers';
export { withTimeout } from './NamespaceCache';
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
