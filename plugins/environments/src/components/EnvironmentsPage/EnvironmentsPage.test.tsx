import { entityRouteRef } from '@backstage/plugin-catalog-react';
import { renderInTestApp, TestApiProvider } from '@backstage/test-utils';
import { EnvironmentSummary } from '@envmesh/plugin-environments-common';
import { screen } from '@testing-library/react';
import { EnvironmentsApi, environmentsApiRef } from '../../api';
import {
  demoEnvironment,
  demoStatus,
  stubEnvironmentsApi,
} from '../../testing/stubEnvironmentsApi';
import { EnvironmentsPage } from './EnvironmentsPage';

const demoDev: EnvironmentSummary = {
  name: 'demo-dev',
  description: 'Development environment of the demo shop',
  cluster: 'local',
  namespace: 'demo-dev',
  owner: 'group:default/platform-team',
  componentRefs: [],
  services: { total: 5, ready: 3 },
};

function renderPage(api: Partial<EnvironmentsApi>, path = '/') {
  const environmentsApi = stubEnvironmentsApi(api);
  return renderInTestApp(
    <TestApiProvider apis={[[environmentsApiRef, environmentsApi]]}>
      <EnvironmentsPage />
    </TestApiProvider>,
    {
      mountedRoutes: { '/catalog/:namespace/:kind/:name': entityRouteRef },
      routeEntries: [path],
    },
  );
}

describe('EnvironmentsPage', () => {
  it('shows progress while the environments load', async () => {
    await renderPage({ listEnvironments: () => new Promise(() => {}) });

    expect(
      screen.getByRole('heading', { name: 'Environments' }),
    ).toBeInTheDocument();
    expect(await screen.findAllByRole('progressbar')).not.toHaveLength(0);
  });

  it('shows an empty state when there are no environments', async () => {
    await renderPage({});

    expect(await screen.findByText('No environments yet')).toBeInTheDocument();
    expect(screen.getByText(/software template/)).toBeInTheDocument();
  });

  it('shows the error when the environments cannot be loaded', async () => {
    await renderPage({
      listEnvironments: async () => {
        throw new Error('backend down');
      },
    });

    expect(await screen.findAllByText(/backend down/)).not.toHaveLength(0);
  });

  it('lists environments with their owner and ready services', async () => {
    await renderPage({ listEnvironments: async () => ({ items: [demoDev] }) });

    // The name and the namespace.
    expect(await screen.findAllByText('demo-dev')).toHaveLength(2);
    expect(
      screen.getByText('Development environment of the demo shop'),
    ).toBeInTheDocument();
    expect(screen.getByText('local')).toBeInTheDocument();
    expect(screen.getByRole('link', { name: /platform-team/ })).toHaveAttribute(
      'href',
      '/catalog/default/group/platform-team',
    );
    expect(screen.getByText('3/5')).toBeInTheDocument();
    // Relative to where the page is mounted (here: the root).
    expect(screen.getByRole('link', { name: 'demo-dev' })).toHaveAttribute(
      'href',
      '/demo-dev',
    );
  });

  it('shows one environment below the mount point', async () => {
    const getEnvironment = jest.fn(async () => demoEnvironment);
    await renderPage(
      { getEnvironment, getStatus: async () => demoStatus },
      '/demo',
    );

    expect(
      await screen.findByRole('heading', { name: 'demo' }),
    ).toBeInTheDocument();
    expect(await screen.findByText('2/2')).toBeInTheDocument();
    expect(getEnvironment).toHaveBeenCalledWith('demo');
  });

  it('shows the clusters card', async () => {
    await renderPage({
      listClusters: async () => ({
        items: [{ name: 'local', title: 'Local kind', url: 'https://kind' }],
      }),
      getClusterStatus: async () => ({ reachable: true, version: 'v1.31.0' }),
    });

    expect(await screen.findByText('Local kind')).toBeInTheDocument();
    expect(await screen.findByText('Reachable, v1.31.0')).toBeInTheDocument();
  });
});
