/**
 * Catalog module that provides envmesh environments as `Resource` entities of `spec.type: environment`.
 *
 * @packageDocumentation
 */

export { catalogModuleEnvironmentsProvider as default } from './module';
export { catalogModuleEnvironmentsProvider } from './module';
export {
  ANNOTATION_ENVMESH_CLUSTER,
  ANNOTATION_ENVMESH_NAMESPACE,
  EnvironmentsEntityProvider,
} from './provider/EnvironmentsEntityProvider';
export type { EnvironmentsEntityProviderOptions } from './provider/EnvironmentsEntityProvider';
