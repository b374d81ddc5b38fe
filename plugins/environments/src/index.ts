/**
 * envmesh environments plugin: pages for environments and clusters, the "Environments" tab and card of
 * catalog components, the search result item of environments, and scaffolder fields that pick services and
 * clusters.
 *
 * This entry point is for the legacy frontend system; the new frontend system uses `/alpha`.
 *
 * @packageDocumentation
 */

export {
  environmentsPlugin,
  EnvironmentsPage,
  FeatureBranchesPage,
  EntityEnvironmentsContent,
  EntityEnvironmentsCard,
  EnvironmentSearchResultListItem,
} from './plugin';
export {
  rootRouteRef,
  createEnvironmentRouteRef,
  featureBranchesRouteRef,
} from './routes';
export {
  EnvmeshClusterPickerFieldExtension,
  EnvmeshClusterPickerFieldSchema,
  EnvmeshServicesPickerFieldExtension,
  EnvmeshServicesPickerFieldSchema,
} from './scaffolder';
export type { EnvmeshServicesPickerUiOptions } from './scaffolder';
export { environmentsApiRef, EnvironmentsClient } from './api';
export type { ClusterStatus, CostPeriod, EnvironmentsApi } from './api';
export type * from './api/types';
export { isEnvironmentsAvailable } from './lib/entityEnvironments';
export type { EntityEnvironment } from './lib/entityEnvironments';
export { isEnvironmentSearchResult } from './lib/search';
export type { EnvironmentSearchResultListItemProps } from './components/EnvironmentSearchResultListItem';
export type { EntityEnvironmentsContentProps } from './components/EntityEnvironmentsContent';
