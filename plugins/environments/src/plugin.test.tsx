import { getComponentData } from '@backstage/core-plugin-api';
import { EntityProvider } from '@backstage/plugin-catalog-react';
import { permissionApiRef } from '@backstage/plugin-permission-react';
import { renderInTestApp, TestApiProvider } from '@backstage/test-utils';
import { fireEvent, screen } from '@testing-library/react';
import { EnvironmentsApi, environmentsApiRef } from './api';
import { Route, Routes } from 'react-router-dom';
import {
  EntityEnvironmentsCard,
  EntityEnvironmentsContent,
  EnvironmentSearchResultListItem,
  EnvironmentsPage,
  FeatureBranchesPage,
  environmentsPlugin,
} from './plugin';
import {
  entityContentRouteRef,
  featureBranchesRouteRef,
  rootRouteRef,
} from './routes';
import {
  demoApiComponent,
  demoEnvironment,
  demoEnvironmentSummary,
  demoFeature,
  demoServices,
  demoStatus,
  stubEnvironmentsApi,
} from './testing/stubEnvironmentsApi';
import { permissionApi, renderWithApis } from './__testUtils__/renderWithApis';

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

  it('mounts the pages on their route refs', () => {
    expect(getComponentData(<EnvironmentsPage />, 'core.mountPoint')).toBe(
      rootRouteRef,
    );
    expect(getComponentData(<FeatureBranchesPage />, 'core.mountPoint')).toBe(
      featureBranchesRouteRef,
    );
  });

  it('renders the search result item', async () => {
    // An `environment` document as the collator indexes it (more fields than the legacy props name).
    const environmentDocument = {
      title: 'demo-dev',
      text: 'Development environment of the demo shop',
      location: '/environments/demo-dev',
      kind: 'environment',
      cluster: 'local',
    };
    await renderInTestApp(
      <EnvironmentSearchResultListItem result={environmentDocument} />,
    );

    expect(
      await screen.findByRole('link', { name: 'demo-dev' }, slow),
    ).toHaveAttribute('href', '/environments/demo-dev');
    expect(screen.getByText('Cluster: local')).toBeInTheDocument();
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

/** The legacy page exports as an app's routes mount them: `<Route path="/environments" element={...} />`. */
function renderAppRoutes(path: string, api: Partial<EnvironmentsApi>) {
  return renderWithApis(
    <Routes>
      <Route path="/environments/*" element={<EnvironmentsPage />} />
      <Route path="/feature-branches/*" element={<FeatureBranchesPage />} />
      <Route
        path="/catalog/default/component/demo-api/environments"
        element={
          <EntityProvider entity={demoApiComponent}>
            <EntityEnvironmentsContent />
          </EntityProvider>
        }
      />
    </Routes>,
    {
      api,
      routeEntries: [path],
      mountedRoutes: {
        '/catalog/default/component/demo-api/environments':
          entityContentRouteRef,
      },
    },
  );
}

describe('legacy page exports in an app', () => {
  it('EnvironmentsPage lists the environments at its mount point', async () => {
    await renderAppRoutes('/environments', {
      listEnvironments: async () => ({ items: [demoEnvironmentSummary] }),
    });

    expect(
      await screen.findByRole('heading', { name: 'Environments' }, slow),
    ).toBeInTheDocument();
    expect(
      await screen.findByRole('link', { name: 'demo-dev' }, slow),
    ).toHaveAttribute('href', '/environments/demo-dev');
    expect(screen.getByText('3/5')).toBeInTheDocument();
  });

  it('EnvironmentsPage shows one environment below its mount point', async () => {
    await renderAppRoutes('/environments/demo', {
      getEnvironment: async () => demoEnvironment,
      getStatus: async () => demoStatus,
    });

    expect(
      await screen.findByRole('heading', { name: 'demo' }, slow),
    ).toBeInTheDocument();
    expect(
      await screen.findByText('Services (2)', {}, slow),
    ).toBeInTheDocument();
    expect(screen.getByText('2/2')).toBeInTheDocument();
  });

  it('FeatureBranchesPage lists the feature branches and opens one', async () => {
    await renderAppRoutes('/feature-branches', {
      listFeatures: async () => ({ items: [demoFeature] }),
      getFeature: async () => demoFeature,
    });

    expect(
      await screen.findByRole(
        'heading',
        { name: 'Feature branches', level: 1 },
        slow,
      ),
    ).toBeInTheDocument();
    const link = await screen.findByRole(
      'link',
      { name: 'feature-31337' },
      slow,
    );
    expect(link).toHaveAttribute('href', '/feature-branches/feature-31337');

    fireEvent.click(link);
    expect(
      await screen.findByText('demo-api → feature-31337', {}, slow),
    ).toBeInTheDocument();
  });

  it('EntityEnvironmentsContent shows where the component runs', async () => {
    await renderAppRoutes('/catalog/default/component/demo-api/environments', {
      listEnvironments: async () => ({
        items: [
          {
            ...demoEnvironmentSummary,
            name: 'demo',
            componentRefs: ['component:default/demo-api'],
          },
        ],
      }),
      listServices: async () => ({ items: demoServices }),
      getStatus: async () => demoStatus,
    });

    expect(
      await screen.findByRole('link', { name: 'demo' }, slow),
    ).toHaveAttribute('href', '/environments/demo');
    expect(await screen.findByText('2/2 ready', {}, slow)).toBeInTheDocument();
  });
});
