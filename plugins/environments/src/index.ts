/**
 * envmesh environments plugin: pages for environments and clusters, the "Environments" tab and card of
 * catalog components, and the search result item of environments.
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
export { environmentsApiRef, EnvironmentsClient } from './api';
export type { ClusterStatus, EnvironmentsApi } from './api';
export type * from './api/types';
export { isEnvironmentsAvailable } from './lib/entityEnvironments';
export type { EntityEnvironment } from './lib/entityEnvironments';
export { isEnvironmentSearchResult } from './lib/search';
export type { EnvironmentSearchResultListItemProps } from './components/EnvironmentSearchResultListItem';
export type { EntityEnvironmentsContentProps } from './components/EntityEnvironmentsContent';
