import { FeatureBranchDetails } from '@envmesh/plugin-environments-common';
import { fireEvent, screen, waitFor } from '@testing-library/react';
import { EnvironmentsApi } from '../../api';
import { Operation } from '../../api/types';
import { demoOperation } from '../../testing/stubEnvironmentsApi';
import { renderWithApis } from '../../__testUtils__/renderWithApis';
import { FeatureBranchesPageWithHeader } from './FeatureBranchesRoutes';

jest.setTimeout(30_000);

/** `GET /features/feature-31337`, shaped as the spec's FeatureBranch. */
const feature: FeatureBranchDetails = {
  name: 'feature-31337',
  environment: 'demo-dev',
  owner: 'user:default/janedoe',
  source: {
    repository: 'acme/demo-api',
    branch: 'feature/31337',
    sha: '0d1a26e67d8f',
  },
  expiresAt: new Date(Date.now() + 5 * 3600_000 + 60_000).toISOString(),
  instances: [
    {
      service: 'demo-api',
      imageTag: '1.5.0',
      state: 'ready',
      updatedAt: '2026-11-23T10:00:00Z',
    },
    {
      service: 'demo-ui',
      state: 'failed',
      message: 'service demo-ui not ready: 0/3 nodes are available',
      updatedAt: '2026-11-23T10:00:00Z',
    },
  ],
  createdAt: '2026-11-23T09:00:00Z',
  updatedAt: '2026-11-23T10:00:00Z',
  previewUrls: ['https://feature-31337.demo.net/'],
  routing: [
    { service: 'demo-api', target: 'feature' },
    { service: 'demo-orders', target: 'default' },
  ],
};

function render(
  api: Partial<EnvironmentsApi>,
  path: string,
  denied?: string[],
) {
  return renderWithApis(<FeatureBranchesPageWithHeader />, {
    api,
    denied,
    routeEntries: [path],
  });
}

describe('feature-branch pages', () => {
  it('disables delete without the permission', async () => {
    await render({ getFeature: async () => feature }, '/feature-31337', [
      'environments.feature.delete',
    ]);
    await waitFor(
      () =>
        expect(screen.getByRole('button', { name: 'Delete' })).toBeDisabled(),
      { timeout: 10_000 },
    );
    expect(
      screen.getByRole('button', { name: 'Extend by 24 h' }),
    ).toBeEnabled();
  });
  it('lists feature branches with instances ready, TTL left and preview URL', async () => {
    await render({ listFeatures: async () => ({ items: [feature] }) }, '/');
    expect(await screen.findByText('feature-31337')).toBeInTheDocument();
    expect(screen.getByText('1/2')).toBeInTheDocument();
    expect(screen.getByText('5 h')).toBeInTheDocument();
    expect(
      screen.getByText('https://feature-31337.demo.net/'),
    ).toBeInTheDocument();
  });

  it('shows an empty state and errors', async () => {
    await render({}, '/');
    expect(
      await screen.findByText(/No feature branches yet/),
    ).toBeInTheDocument();
  });

  it('shows a load error with its reason', async () => {
    await render(
      {
        getFeature: async () => {
          throw new Error("no feature branch 'nope'");
        },
      },
      '/nope',
    );
    expect(
      (await screen.findAllByText(/no feature branch 'nope'/)).length,
    ).toBeGreaterThan(0);
  });

  it('shows one feature branch: instances, preview URL and the routing picture', async () => {
    await render({ getFeature: async () => feature }, '/feature-31337');
    expect(
      await screen.findByText('demo-api → feature-31337'),
    ).toBeInTheDocument();
    expect(screen.getByText('demo-orders → default')).toBeInTheDocument();
    expect(
      screen.getByText('service demo-ui not ready: 0/3 nodes are available'),
    ).toBeInTheDocument();
    expect(
      screen.getByText('acme/demo-api@feature/31337 (0d1a26e)'),
    ).toBeInTheDocument();
  });

  it('extends the TTL and deletes, following the operation', async () => {
    const extendFeature = jest.fn(
      async (_name: string, _hours: number) => feature,
    );
    const deleteFeature = jest.fn(
      async (_name: string): Promise<Operation> => ({
        ...demoOperation('running', { done: 0, total: 2 }),
        type: 'remove-feature',
      }),
    );
    await render(
      { getFeature: async () => feature, extendFeature, deleteFeature },
      '/feature-31337',
    );
    fireEvent.click(
      await screen.findByRole('button', { name: 'Extend by 24 h' }),
    );
    await waitFor(
      () => expect(extendFeature).toHaveBeenCalledWith('feature-31337', 24),
      { timeout: 10_000 },
    );
    fireEvent.click(screen.getByRole('button', { name: 'Delete' }));
    await waitFor(
      () => expect(deleteFeature).toHaveBeenCalledWith('feature-31337'),
      { timeout: 10_000 },
    );
  });
});
