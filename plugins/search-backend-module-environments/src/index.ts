/**
 * Search collator module that indexes envmesh environments and feature branches (documents of type
 * `environment` and `feature-branch`).
 *
 * @packageDocumentation
 */

export { searchModuleEnvironmentsCollator as default } from './module';
export { searchModuleEnvironmentsCollator } from './module';
export { EnvironmentsCollatorFactory } from './collator/EnvironmentsCollatorFactory';
export type {
  EnvironmentDocument,
  EnvironmentsCollatorFactoryOptions,
} from './collator/EnvironmentsCollatorFactory';
export { FeatureBranchesCollatorFactory } from './collator/FeatureBranchesCollatorFactory';
export type {
  FeatureBranchDocument,
  FeatureBranchesCollatorFactoryOptions,
} from './collator/FeatureBranchesCollatorFactory';
