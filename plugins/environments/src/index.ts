/**
 * envmesh environments plugin: pages for environments and clusters.
 *
 * This entry point is for the legacy frontend system; the new frontend system uses `/alpha`.
 *
 * @packageDocumentation
 */

export { environmentsPlugin, EnvironmentsPage } from './plugin';
export { rootRouteRef } from './routes';
export { environmentsApiRef, EnvironmentsClient } from './api';
export type { ClusterStatus, EnvironmentsApi } from './api';
export type * from './api/types';
