import { EnvironmentSummary } from '@envmesh/plugin-environments-common';
import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { EnvironmentsApi } from '../../api';
import {
  demoEnvironment,
  demoOperation,
  demoStatus,
} from '../../testing/stubEnvironmentsApi';
import { renderWithApis } from '../../__testUtils__/renderWithApis';
import { EnvironmentsPage } from './EnvironmentsPage';

const demoDev: EnvironmentSummary = {
  name: 'demo-dev',
  description: 'Development environment of the demo shop',
  cluster: 'local',
  namespace: 'demo-dev',
  owner: 'group:default/platform-team',
  componentRefs: [],
  services: { total: 5, ready: 3 },
  sleepState: 'awake' as const,
};

function renderPage(api: Partial<EnvironmentsApi>, path = '/') {
  return renderWithApis(<EnvironmentsPage />, { api, routeEntries: [path] });
}

jest.setTimeout(30_000);

const summary = (name: string, cluster = 'local'): EnvironmentSummary => ({
  name,
  cluster,
  namespace: name,
  owner: 'group:default/platform-team',
  componentRefs: [],
  services: { total: 2, ready: 2 },
  sleepState: 'awake' as const,
});

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

  it('links "Create" to the scaffolder template of new environments', async () => {
    await renderPage({});

    // A link styled as a button.
    expect(
      await screen.findByRole('button', { name: 'Create' }),
    ).toHaveAttribute(
      'href',
      '/create/templates/default/envmesh-new-environment',
    );
  });

  it('explains a disabled "Create" when the catalog has no envmesh-new-environment template', async () => {
    await renderWithApis(<EnvironmentsPage />, {
      api: {},
      catalogEntities: [],
    });

    const create = await screen.findByRole('button', { name: 'Create' });
    await waitFor(() => expect(create).toBeDisabled());
    fireEvent.mouseOver(create.parentElement!);
    expect(
      await screen.findByText(
        /template is not in the catalog: register templates\/all.yaml/,
      ),
    ).toBeInTheDocument();
  });

  it('shows the last operation of each environment and its state', async () => {
    const getEnvironment = jest.fn(async (name: string) => {
      if (name === 'broken') {
        throw new Error('store unavailable');
      }
      return {
        ...demoEnvironment,
        name,
        lastOperation:
          name === 'demo-dev'
            ? {
                ...demoOperation('failed', { done: 1, total: 3 }),
                type: 'rollback' as const,
              }
            : undefined,
      };
    });
    await renderPage({
      listEnvironments: async () => ({
        items: [summary('broken'), summary('demo-dev'), summary('fresh')],
      }),
      getEnvironment,
    });

    const rowOf = async (name: string) =>
      (await screen.findByRole('link', { name })).closest('tr')!;
    const demoDevRow = await rowOf('demo-dev');
    expect(await within(demoDevRow).findByText('failed')).toBeInTheDocument();
    expect(within(demoDevRow).getByText(/rollback/)).toBeInTheDocument();
    expect(
      await within(await rowOf('fresh')).findByText('none'),
    ).toBeInTheDocument();
    expect(
      await within(await rowOf('broken')).findByText('unknown'),
    ).toBeInTheDocument();
  });

  it('searches the environments', async () => {
    await renderPage({
      listEnvironments: async () => ({
        items: [summary('alpha'), summary('beta', 'eu-west')],
      }),
      getEnvironment: async name => ({ ...demoEnvironment, name }),
    });

    expect(
      await screen.findByRole('link', { name: 'alpha' }),
    ).toBeInTheDocument();
    fireEvent.change(screen.getByPlaceholderText('Filter'), {
      target: { value: 'eu-west' },
    });

    await waitFor(() =>
      expect(screen.queryByRole('link', { name: 'alpha' })).toBeNull(),
    );
    expect(screen.getByRole('link', { name: 'beta' })).toBeInTheDocument();
  });

  it('shows which environments sleep, since when, and searches by it', async () => {
    const since = '2026-11-20T22:00:00.000Z';
    await renderPage({
      listEnvironments: async () => ({
        items: [
          summary('alpha'),
          { ...summary('beta'), sleepState: 'asleep', asleepSince: since },
        ],
      }),
      getEnvironment: async name => ({ ...demoEnvironment, name }),
    });

    const beta = (await screen.findByRole('link', { name: 'beta' })).closest(
      'tr',
    )!;
    expect(within(beta).getByText('asleep')).toBeInTheDocument();
    expect(
      within(beta).getByText(`since ${new Date(since).toLocaleString()}`),
    ).toBeInTheDocument();
    const alpha = screen.getByRole('link', { name: 'alpha' }).closest('tr')!;
    expect(within(alpha).getByText('awake')).toBeInTheDocument();

    fireEvent.change(screen.getByPlaceholderText('Filter'), {
      target: { value: 'asleep' },
    });
    await waitFor(() =>
      expect(screen.queryByRole('link', { name: 'alpha' })).toBeNull(),
    );
    expect(screen.getByRole('link', { name: 'beta' })).toBeInTheDocument();
  });

  it('filters by cluster, owner and sleep', async () => {
    await renderPage({
      listEnvironments: async () => ({
        items: [
          summary('alpha'),
          {
            ...summary('beta', 'eu-west'),
            owner: 'group:default/shop-team',
            sleepState: 'asleep',
            asleepSince: '2026-11-20T22:00:00.000Z',
          },
          { ...summary('gamma'), owner: 'group:default/shop-team' },
        ],
      }),
      getEnvironment: async name => ({ ...demoEnvironment, name }),
    });
    const shown = () =>
      ['alpha', 'beta', 'gamma'].filter(name =>
        screen.queryByRole('link', { name }),
      );
    /** Picks `option` in the table's select filter labelled `label`. */
    const choose = async (label: string, option: string) => {
      const control = screen.getByText(label, { selector: 'label' })
        .parentElement!;
      fireEvent.mouseDown(within(control).getByRole('button'));
      fireEvent.click(await screen.findByRole('option', { name: option }));
    };

    expect(await screen.findByRole('link', { name: 'alpha' })).toBeVisible();
    fireEvent.click(screen.getByRole('button', { name: 'filter list' }));

    await choose('Cluster', 'eu-west');
    await waitFor(() => expect(shown()).toEqual(['beta']));
    expect(screen.getByText('Filters (1)')).toBeInTheDocument();

    fireEvent.click(screen.getByRole('button', { name: 'Clear all' }));
    await waitFor(() => expect(shown()).toEqual(['alpha', 'beta', 'gamma']));

    await choose('Owner', 'group:default/shop-team');
    await waitFor(() => expect(shown()).toEqual(['beta', 'gamma']));
    await choose('Sleep', 'awake');
    await waitFor(() => expect(shown()).toEqual(['gamma']));
    expect(screen.getByText('Filters (2)')).toBeInTheDocument();
  });

  it('stays responsive with 300 environments: 20 rows a page, last operations fetched for shown rows only', async () => {
    const items = Array.from({ length: 300 }, (_, i) =>
      summary(`env-${String(i).padStart(3, '0')}`),
    );
    const getEnvironment = jest.fn(async (name: string) => ({
      ...demoEnvironment,
      name,
    }));
    await renderPage({
      listEnvironments: async () => ({ items }),
      getEnvironment,
    });

    expect(await screen.findByText('Environments (300)')).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'env-019' })).toBeInTheDocument();
    expect(screen.queryByRole('link', { name: 'env-020' })).toBeNull();
    await waitFor(() => expect(getEnvironment).toHaveBeenCalledTimes(20));

    fireEvent.click(screen.getByRole('button', { name: 'Next Page' }));
    expect(
      await screen.findByRole('link', { name: 'env-020' }),
    ).toBeInTheDocument();
    await waitFor(() => expect(getEnvironment).toHaveBeenCalledTimes(40));

    // Back to the first page: already fetched.
    fireEvent.click(screen.getByRole('button', { name: 'Previous Page' }));
    expect(
      await screen.findByRole('link', { name: 'env-000' }),
    ).toBeInTheDocument();
    expect(getEnvironment).toHaveBeenCalledTimes(40);
  });
});
