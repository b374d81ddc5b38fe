export {
  LIFECYCLE_ACTOR,
  latest,
  lifecycleFactsOf,
  lifecycleRulesFromConfig,
} from './config';
export type { LifecycleConfig } from './config';
export { nextEnvironmentAction, nextFeatureDeletion } from './planLifecycle';
export type { PlannedAction } from './planLifecycle';
