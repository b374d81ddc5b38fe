import {
  createExtensionTester,
  renderInTestApp,
  renderTestApp,
} from '@backstage/frontend-test-utils';
import { entityRouteRef } from '@backstage/plugin-catalog-react';
import { screen } from '@testing-library/react';
import { EnvironmentsApi, environmentsApiRef } from '../api';
import { environmentsPage } from './pages';
import { environmentsPlugin } from './plugin';

const environmentsApi: EnvironmentsApi = {
  listEnvironments: async () => ({
    items: [
      {
        name: 'demo-dev',
        cluster: 'local',
        namespace: 'demo-dev',
        owner: 'group:default/platform-team',
        componentRefs: [],
        services: { total: 5, ready: 5 },
      },
    ],
  }),
  listClusters: async () => ({
    items: [{ name: 'local', url: 'https://127.0.0.1:6443' }],
  }),
  getClusterStatus: async () => ({ reachable: true, version: 'v1.31.0' }),
};

describe('environments plugin (new frontend system)', () => {
  it('renders the environments page extension', async () => {
    const tester = createExtensionTester(environmentsPage);

    renderInTestApp(tester.reactElement(), {
      apis: [[environmentsApiRef, environmentsApi]],
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
      apis: [[environmentsApiRef, environmentsApi]],
    });

    expect(
      await screen.findByRole('link', { name: 'Environments' }),
    ).toHaveAttribute('href', '/environments');
  });
});
