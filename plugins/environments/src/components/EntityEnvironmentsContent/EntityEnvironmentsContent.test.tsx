import { EntityProvider } from '@backstage/plugin-catalog-react';
import { EnvironmentSummary } from '@envmesh/plugin-environments-common';
import { screen, within } from '@testing-library/react';
import { EnvironmentsApi } from '../../api';
import {
  demoApiComponent,
  demoServices,
  demoStatus,
  responseError,
} from '../../testing/stubEnvironmentsApi';
import { renderWithApis } from '../../__testUtils__/renderWithApis';
import { EntityEnvironmentsContent } from './EntityEnvironmentsContent';

jest.setTimeout(30_000);

const environment = (
  name: string,
  componentRefs: string[],
): EnvironmentSummary => ({
  name,
  cluster: 'local',
  namespace: name,
  owner: 'group:default/platform-team',
  componentRefs,
  services: { total: 2, ready: 1 },
  sleepState: 'awake' as const,
});

function renderContent(
  api: Partial<EnvironmentsApi>,
  props: Parameters<typeof EntityEnvironmentsContent>[0] = {},
) {
  return renderWithApis(
    <EntityProvider entity={demoApiComponent}>
      <EntityEnvironmentsContent {...props} />
    </EntityProvider>,
    { api },
  );
}

const twoEnvironments = {
  listEnvironments: async () => ({
    items: [
      environment('demo', ['component:default/demo-api']),
      environment('other', ['component:default/something-else']),
    ],
  }),
  listServices: async () => ({ items: demoServices }),
};

describe('EntityEnvironmentsContent', () => {
  it('shows progress while loading', async () => {
    await renderContent({ listEnvironments: () => new Promise(() => {}) });

    expect(screen.getByTestId('progress')).toBeInTheDocument();
  });

  it('shows why the environments cannot be loaded', async () => {
    await renderContent({
      listEnvironments: () =>
        responseError(401, 'AuthenticationError', 'Missing credentials'),
    });

    expect(
      (await screen.findAllByText(/Missing credentials/)).length,
    ).toBeGreaterThan(0);
  });

  it('says when the component runs nowhere', async () => {
    await renderContent({
      listEnvironments: async () => ({
        items: [environment('other', ['component:default/other'])],
      }),
      listServices: async () => ({ items: demoServices }),
    });

    expect(
      await screen.findByText('Not deployed to any environment'),
    ).toBeInTheDocument();
  });

  it('lists the environments the component runs in with version, ready state and a link', async () => {
    const getStatus = jest.fn(async () => demoStatus);
    await renderContent({ ...twoEnvironments, getStatus });

    const link = await screen.findByRole('link', { name: 'demo' });
    expect(link).toHaveAttribute('href', '/environments/demo');
    const row = link.closest('tr')!;
    expect(within(row).getByText('demo-api')).toBeInTheDocument();
    expect(within(row).getByText('1.4.0')).toBeInTheDocument();
    expect(within(row).getByText('2/2 ready')).toBeInTheDocument();
    // Only the environment whose components include demo-api is read.
    expect(getStatus.mock.calls).toEqual([['demo']]);
    expect(screen.queryByRole('link', { name: 'other' })).toBeNull();
    expect(screen.getByText('Environments (1)')).toBeInTheDocument();
  });

  it("shows what the component's service cost in the environment, its line of the environment's cost", async () => {
    await renderContent({
      ...twoEnvironments,
      getStatus: async () => demoStatus,
      getEnvironmentCost: async name => ({
        environment: name,
        cluster: 'local',
        from: '2026-11-27T00:00:00.000Z',
        to: '2026-12-04T00:00:00.000Z',
        prices: { currency: 'EUR', cpuHour: 0.05, memoryGiBHour: 0.01 },
        awakeHours: 168,
        asleepHours: 0,
        name,
        pods: 3,
        cpu: 1.5,
        memoryGiB: 3,
        cost: 17.64,
        sleepSaving: { cost: 0, ratio: 0 },
        services: [
          { name: 'demo-api', pods: 2, cpu: 1, memoryGiB: 2, cost: 11.76 },
          { name: 'demo-ui', pods: 1, cpu: 0.5, memoryGiB: 1, cost: 5.88 },
        ],
      }),
    });

    const link = await screen.findByRole('link', { name: 'demo' });
    const row = link.closest('tr')!;
    expect(
      await within(row).findByText('EUR 11.76 (2 pods, 1 CPU, 2 GiB)'),
    ).toBeInTheDocument();
  });

  it('links the feature branches with an instance of the service and their previews', async () => {
    await renderContent({
      ...twoEnvironments,
      getStatus: async () => demoStatus,
      listFeatures: async () => ({
        items: [
          {
            name: 'feature-31337',
            environment: 'demo',
            owner: 'user:default/jane',
            instances: [
              {
                service: 'demo-api',
                state: 'ready',
                updatedAt: '2026-11-23T10:00:00Z',
              },
            ],
            createdAt: '2026-11-23T10:00:00Z',
            updatedAt: '2026-11-23T10:00:00Z',
            previewUrls: ['https://feature-31337.demo.net/'],
            behindBase: [],
            routingHeader: 'X-FEATURE-NAME',
            routing: [],
          },
          {
            name: 'feature-other',
            environment: 'demo',
            owner: 'user:default/jane',
            instances: [
              {
                service: 'demo-ui',
                state: 'ready',
                updatedAt: '2026-11-23T10:00:00Z',
              },
            ],
            createdAt: '2026-11-23T10:00:00Z',
            updatedAt: '2026-11-23T10:00:00Z',
            previewUrls: [],
            behindBase: [],
            routingHeader: 'X-FEATURE-NAME',
            routing: [],
          },
        ],
      }),
    });

    expect(
      await screen.findByRole('link', { name: 'feature-31337' }),
    ).toHaveAttribute('href', '/feature-branches/feature-31337');
    expect(screen.getByText('preview')).toBeInTheDocument();
    expect(screen.queryByText('feature-other')).toBeNull();
  });

  it('renders feature instances as the app wants them', async () => {
    const renderFeatureInstances = jest.fn(() => <span>feature-31337</span>);
    await renderContent(
      { ...twoEnvironments, getStatus: async () => demoStatus },
      { renderFeatureInstances },
    );

    expect(await screen.findByText('feature-31337')).toBeInTheDocument();
    expect(screen.getByText('Feature instances')).toBeInTheDocument();
    expect(renderFeatureInstances).toHaveBeenCalledWith(
      expect.objectContaining({ service: 'demo-api' }),
    );
  });

  it('still lists an environment whose cluster is down, with the pinned tag and why the state is unknown', async () => {
    await renderContent({
      ...twoEnvironments,
      getStatus: () =>
        responseError(
          503,
          'ServiceUnavailableError',
          "cluster 'local' is unreachable",
        ),
      getEnvironment: async () => ({
        name: 'demo',
        cluster: 'local',
        namespace: 'demo',
        owner: 'group:default/platform-team',
        globalValues: {},
        config: { configMaps: [], secrets: [] },
        resources: { gateways: [], certificates: [] },
        services: [{ name: 'demo-api', imageTag: '1.4.1' }],
        createdAt: '2025-01-01T10:00:00.000Z',
        updatedAt: '2025-01-01T10:00:00.000Z',
      }),
    });

    const row = (await screen.findByRole('link', { name: 'demo' })).closest(
      'tr',
    )!;
    expect(within(row).getByText('1.4.1')).toBeInTheDocument();
    expect(within(row).getByText('unknown')).toBeInTheDocument();
    expect(within(row).getByText('unknown').closest('[title]')).toHaveAttribute(
      'title',
      "cluster 'local' is unreachable (503)",
    );
  });
});
