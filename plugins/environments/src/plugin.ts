import {
  createApiFactory,
  createComponentExtension,
  createPlugin,
  createRoutableExtension,
  discoveryApiRef,
  fetchApiRef,
} from '@backstage/core-plugin-api';
import { createSearchResultListItemExtension } from '@backstage/plugin-search-react';
import { EnvironmentsClient, environmentsApiRef } from './api';
import { isEnvironmentSearchResult } from './lib/search';
import {
  createEnvironmentRouteRef,
  entityContentRouteRef,
  featureBranchesRouteRef,
  rootRouteRef,
} from './routes';

/**
 * The envmesh environments plugin, for the legacy frontend system.
 *
 * @public
 */
export const environmentsPlugin = createPlugin({
  id: 'environments',
  apis: [
    createApiFactory({
      api: environmentsApiRef,
      deps: { discoveryApi: discoveryApiRef, fetchApi: fetchApiRef },
      factory: ({ discoveryApi, fetchApi }) =>
        new EnvironmentsClient({ discoveryApi, fetchApi }),
    }),
  ],
  routes: {
    root: rootRouteRef,
    featureBranches: featureBranchesRouteRef,
  },
  externalRoutes: {
    createEnvironment: createEnvironmentRouteRef,
  },
});

/**
 * The environments pages, for the legacy frontend system: the list at the mount point and one environment
 * at `<mount point>/:name`.
 *
 * @public
 */
export const EnvironmentsPage = environmentsPlugin.provide(
  createRoutableExtension({
    name: 'EnvironmentsPage',
    component: () =>
      import('./components/EnvironmentsPage').then(m => m.EnvironmentsPage),
    mountPoint: rootRouteRef,
  }),
);

/**
 * The "Environments" tab of a component, for the legacy frontend system:
 * `<EntityLayout.Route path="/environments" title="Environments" if={isEnvironmentsAvailable}>`.
 *
 * @public
 */
export const EntityEnvironmentsContent = environmentsPlugin.provide(
  createRoutableExtension({
    name: 'EntityEnvironmentsContent',
    component: () =>
      import('./components/EntityEnvironmentsContent').then(
        m => m.EntityEnvironmentsContent,
      ),
    mountPoint: entityContentRouteRef,
  }),
);

/**
 * Where a component runs, for its overview page (legacy frontend system).
 *
 * @public
 */
export const EntityEnvironmentsCard = environmentsPlugin.provide(
  createComponentExtension({
    name: 'EntityEnvironmentsCard',
    component: {
      lazy: () =>
        import('./components/EntityEnvironmentsCard').then(
          m => m.EntityEnvironmentsCard,
        ),
    },
  }),
);

/**
 * The search result list item of envmesh documents (types `environment` and `feature-branch`), for the
 * legacy frontend system: a child of `SearchResult` / `SearchResultList`.
 *
 * @public
 */
export const EnvironmentSearchResultListItem = environmentsPlugin.provide(
  createSearchResultListItemExtension({
    name: 'EnvironmentSearchResultListItem',
    component: () =>
      import('./components/EnvironmentSearchResultListItem').then(
        m => m.EnvironmentSearchResultListItem,
      ),
    predicate: isEnvironmentSearchResult,
  }),
);

/**
 * The feature-branch pages, for the legacy frontend system: the list at the mount point (route
 * `/feature-branches` in the app) and one feature branch at `<mount point>/:name`.
 *
 * @public
 */
export const FeatureBranchesPage = environmentsPlugin.provide(
  createRoutableExtension({
    name: 'FeatureBranchesPage',
    component: () =>
      import('./components/FeatureBranchesRoutes').then(
        m => m.FeatureBranchesPageWithHeader,
      ),
    mountPoint: featureBranchesRouteRef,
  }),
);
