/*
 * The engine's own parts, for the repository's benchmarks (bench/), which time them directly instead of
 * through the REST API: the engine as plugin.ts builds it, the Helm renderer, the stores, and the routing
 * writer with the client and the Istio object shapes it writes, and the chart-shapes fleet repository the tests use. They are no part of the backend plugin's
 * published API, so they come from its sources; this package is a workspace of the repository and never
 * published, so nothing outside the repository depends on them.
 */
/* eslint-disable @backstage/no-forbidden-package-imports */
export {
  DynamicClient,
  apiErrorMessage,
  isApiStatus,
} from '@envmesh/plugin-environments-backend/src/apply/DynamicClient';
export { createEnvironmentsBackend } from '@envmesh/plugin-environments-backend/src/engine/createEnvironmentsBackend';
export type { EnvironmentsBackend } from '@envmesh/plugin-environments-backend/src/engine/createEnvironmentsBackend';
export {
  INSTANCE_LABEL,
  instanceServiceName,
} from '@envmesh/plugin-environments-backend/src/naming';
export { HelmRenderer } from '@envmesh/plugin-environments-backend/src/render';
export { RoutingWriter } from '@envmesh/plugin-environments-backend/src/routing/RoutingWriter';
export type { ServiceRoutingRef } from '@envmesh/plugin-environments-backend/src/routing/RoutingWriter';
export { routedFeatures } from '@envmesh/plugin-environments-backend/src/routing/routingModel';
export {
  DEFAULT_FEATURE_HEADER,
  DEFAULT_SUBSET,
  ISTIO_API_VERSION,
} from '@envmesh/plugin-environments-backend/src/routing/types';
export type {
  DestinationRule,
  HTTPRoute,
  VirtualService,
} from '@envmesh/plugin-environments-backend/src/routing/types';
export { validateRouting } from '@envmesh/plugin-environments-backend/src/routing/validateRouting';
export { createDatabaseStores } from '@envmesh/plugin-environments-backend/src/store';
export { hostRef } from '@envmesh/plugin-environments-backend/src/desired/releaseRoutes';
// eslint-disable-next-line no-restricted-imports -- the tests' chart-shapes fleet repository, for bench/fleet
export { makeChartShapesFleet } from '@envmesh/plugin-environments-backend/src/__testUtils__/chartShapes';
