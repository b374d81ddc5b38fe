import {
  createExtensionTester,
  renderInTestApp,
  renderTestApp,
} from '@backstage/frontend-test-utils';
import { catalogApiRef, entityRouteRef } from '@backstage/plugin-catalog-react';
import { catalogApiMock } from '@backstage/plugin-catalog-react/testUtils';
import { permissionApiRef } from '@backstage/plugin-permission-react';
import { fireEvent, screen } from '@testing-library/react';
import { EnvironmentsApi, environmentsApiRef } from '../api';
import {
  demoEnvironment,
  demoStatus,
  stubEnvironmentsApi,
} from '../testing/stubEnvironmentsApi';
import {
  newEnvironmentTemplate,
  permissionApi,
} from '../__testUtils__/renderWithApis';
import { environmentsPage } from './pages';
import { environmentsPlugin } from './plugin';

const environmentsApi: EnvironmentsApi = stubEnvironmentsApi({
  listEnvironments: async () => ({
    items: [
      {
        name: 'demo-dev',
        cluster: 'local',
        namespace: 'demo-dev',
        owner: 'group:default/platform-team',
        componentRefs: [],
        services: { total: 5, ready: 5 },
        sleepState: 'awake' as const,
      },
    ],
  }),
  listClusters: async () => ({
    items: [{ name: 'local', url: 'https://127.0.0.1:6443' }],
  }),
  getClusterStatus: async () => ({ reachable: true, version: 'v1.31.0' }),
  getEnvironment: async name => ({ ...demoEnvironment, name }),
  getStatus: async () => demoStatus,
});

describe('environments plugin (new frontend system)', () => {
  it('renders the environments page extension', async () => {
    const tester = createExtensionTester(environmentsPage);

    renderInTestApp(tester.reactElement(), {
      apis: [
        [environmentsApiRef, environmentsApi],
        [permissionApiRef, permissionApi()],
        [catalogApiRef, catalogApiMock({ entities: [newEnvironmentTemplate] })],
      ],
      mountedRoutes: { '/catalog/:namespace/:kind/:name': entityRouteRef },
    });

    // Lazy loading the page content can be slow on a busy machine.
    const slow = { timeout: 10_000 };
    expect(
      await screen.findByRole('link', { name: /platform-team/ }, slow),
    ).toBeInTheDocument();
    expect(await screen.findByText('5/5', {}, slow)).toBeInTheDocument();
    expect(
      await screen.findByText('Reachable, v1.31.0', {}, slow),
    ).toBeInTheDocument();
  }, 30_000);

  it('adds "Environments" to the app nav', async () => {
    renderTestApp({
      features: [environmentsPlugin],
      apis: [
        [environmentsApiRef, environmentsApi],
        [permissionApiRef, permissionApi()],
        [catalogApiRef, catalogApiMock({ entities: [newEnvironmentTemplate] })],
      ],
    });

    expect(
      await screen.findByRole('link', { name: 'Environments' }),
    ).toHaveAttribute('href', '/environments');
  });

  it('opens an environment from the list at /environments/:name', async () => {
    renderTestApp({
      features: [environmentsPlugin],
      apis: [
        [environmentsApiRef, environmentsApi],
        [permissionApiRef, permissionApi()],
        [catalogApiRef, catalogApiMock({ entities: [newEnvironmentTemplate] })],
      ],
      mountedRoutes: { '/catalog/:namespace/:kind/:name': entityRouteRef },
      initialRouteEntries: ['/environments'],
    });

    const slow = { timeout: 10_000 };
    const link = await screen.findByRole('link', { name: 'demo-dev' }, slow);
    expect(link).toHaveAttribute('href', '/environments/demo-dev');
    fireEvent.click(link);

    expect(
      await screen.findByText('Services (2)', {}, slow),
    ).toBeInTheDocument();
    expect(screen.getByText('2/2')).toBeInTheDocument();
  }, 30_000);
});
