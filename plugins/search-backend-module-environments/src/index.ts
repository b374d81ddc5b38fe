/**
 * Search collator module that indexes envmesh environments (documents of type `environment`).
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
