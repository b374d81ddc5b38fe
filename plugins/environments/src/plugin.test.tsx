import { getComponentData } from '@backstage/core-plugin-api';
import { EntityProvider } from '@backstage/plugin-catalog-react';
import { permissionApiRef } from '@backstage/plugin-permission-react';
import { renderInTestApp, TestApiProvider } from '@backstage/test-utils';
import { screen } from '@testing-library/react';
import { environmentsApiRef } from './api';
import {
  EntityEnvironmentsCard,
  EntityEnvironmentsContent,
  EnvironmentSearchResultListItem,
  environmentsPlugin,
} from './plugin';
import { entityContentRouteRef, rootRouteRef } from './routes';
import {
  demoApiComponent,
  demoServices,
  demoStatus,
  stubEnvironmentsApi,
} from './testing/stubEnvironmentsApi';
import { permissionApi } from './__testUtils__/renderWithApis';

jest.setTimeout(30_000);

const apis = [
  [
    environmentsApiRef,
    stubEnvironmentsApi({
      listEnvironments: async () => ({
        items: [
          {
            name: 'demo',
            cluster: 'local',
            namespace: 'demo',
            owner: 'group:default/platform-team',
            componentRefs: ['component:default/demo-api'],
            services: { total: 2, ready: 1 },
            sleepState: 'awake' as const,
          },
        ],
      }),
      listServices: async () => ({ items: demoServices }),
      getStatus: async () => demoStatus,
    }),
  ],
  [permissionApiRef, permissionApi()],
] as const;

const slow = { timeout: 10_000 };

describe('environmentsPlugin (legacy frontend system)', () => {
  it('provides the environments API, the root route and the create link', () => {
    expect(environmentsPlugin.getId()).toBe('environments');
    expect(
      [...environmentsPlugin.getApis()].map(factory => factory.api.id),
    ).toEqual(['plugin.environments.api']);
    expect(environmentsPlugin.routes.root).toBe(rootRouteRef);
    expect(environmentsPlugin.externalRoutes.createEnvironment).toBeDefined();
  });

  it('mounts the entity tab on its own route, for EntityLayout.Route', () => {
    expect(
      getComponentData(<EntityEnvironmentsContent />, 'core.mountPoint'),
    ).toBe(entityContentRouteRef);
  });

  it('renders the entity card', async () => {
    await renderInTestApp(
      <TestApiProvider apis={apis}>
        <EntityProvider entity={demoApiComponent}>
          <EntityEnvironmentsCard />
        </EntityProvider>
      </TestApiProvider>,
      { mountedRoutes: { '/environments': rootRouteRef } },
    );

    expect(
      await screen.findByRole('list', { name: 'Environments' }, slow),
    ).toBeInTheDocument();
  });

  it('makes the search result item pick environment and feature-branch results', () => {
    const predicate = getComponentData<(result: { type: string }) => boolean>(
      <EnvironmentSearchResultListItem />,
      'search.results.list.items.extensions.v1',
    );

    expect(predicate?.({ type: 'environment' })).toBe(true);
    expect(predicate?.({ type: 'feature-branch' })).toBe(true);
    expect(predicate?.({ type: 'techdocs' })).toBe(false);
  });
});
