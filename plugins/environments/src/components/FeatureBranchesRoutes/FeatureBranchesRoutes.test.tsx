import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { Route, Routes } from 'react-router-dom';
import { EnvironmentsApi } from '../../api';
import { Operation } from '../../api/types';
import {
  demoFeature,
  demoOperation,
  responseError,
} from '../../testing/stubEnvironmentsApi';
import { renderWithApis } from '../../__testUtils__/renderWithApis';
import { FeatureBranchesPageWithHeader } from './FeatureBranchesRoutes';

jest.setTimeout(30_000);

const feature = demoFeature;

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

  it('pages a list of 300 feature branches, searches all of them and shows up to 100 a page', async () => {
    const names = Array.from(
      { length: 300 },
      (_, i) => `fb-${String(i).padStart(3, '0')}`,
    );
    await render(
      {
        listFeatures: async () => ({
          items: names.map(name => ({ ...feature, name })),
        }),
      },
      '/',
    );
    // material-table renders its pager twice (for wide and narrow screens).
    expect(await screen.findAllByText('1-20 of 300')).not.toHaveLength(0);
    expect(screen.getByText('fb-019')).toBeInTheDocument();
    expect(screen.queryByText('fb-020')).toBeNull();

    // The search covers every feature branch, not only the page shown.
    fireEvent.change(screen.getByPlaceholderText('Filter'), {
      target: { value: 'fb-287' },
    });
    expect(await screen.findByText('fb-287')).toBeInTheDocument();
    await waitFor(() => expect(screen.queryByText('fb-000')).toBeNull());

    fireEvent.change(screen.getByPlaceholderText('Filter'), {
      target: { value: '' },
    });
    expect(await screen.findByText('fb-000')).toBeInTheDocument();
    fireEvent.mouseDown(
      screen.getAllByRole('button', { name: /Rows per page/ })[0],
    );
    fireEvent.click(await screen.findByRole('option', { name: '100' }));
    expect(await screen.findAllByText('1-100 of 300')).not.toHaveLength(0);
    expect(screen.getByText('fb-099')).toBeInTheDocument();
  });

  it('shows progress while the feature branches load', async () => {
    await render({ listFeatures: () => new Promise(() => {}) }, '/');
    expect(await screen.findAllByRole('progressbar')).not.toHaveLength(0);
    expect(screen.queryByText(/No feature branches yet/)).toBeNull();
  });

  it("shows the backend's reason when the feature branches cannot be listed", async () => {
    await render(
      {
        listFeatures: () =>
          responseError(
            503,
            'ServiceUnavailableError',
            'the feature-branch store is not ready',
          ),
      },
      '/',
    );
    expect(
      (await screen.findAllByText(/the feature-branch store is not ready/))
        .length,
    ).toBeGreaterThan(0);
    expect(screen.queryByText(/No feature branches yet/)).toBeNull();
  });

  it('shows progress while a feature branch loads', async () => {
    await render({ getFeature: () => new Promise(() => {}) }, '/feature-31337');
    expect(await screen.findAllByRole('progressbar')).not.toHaveLength(0);
    expect(screen.queryByRole('button', { name: 'Delete' })).toBeNull();
  });

  it('shows a feature branch without preview URLs or instances', async () => {
    const bare = {
      ...feature,
      source: undefined,
      expiresAt: undefined,
      instances: [],
      previewUrls: [],
      routing: [
        { service: 'demo-api', target: 'default' as const },
        { service: 'demo-orders', target: 'default' as const },
      ],
    };
    await render({ getFeature: async () => bare }, '/feature-31337');
    expect(
      await screen.findByText('The environment has no preview domain.'),
    ).toBeInTheDocument();
    expect(screen.getByText('No instances.')).toBeInTheDocument();
    expect(screen.getByText('no expiry')).toBeInTheDocument();
    expect(screen.getByText('demo-api → default')).toBeInTheDocument();
    expect(screen.queryByRole('link', { name: /demo\.net/ })).toBeNull();
  });

  it('shows an empty state', async () => {
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

  it('pages the instances of a 300-service feature and summarizes its routing', async () => {
    const services = Array.from(
      { length: 300 },
      (_, i) => `svc-${String(i).padStart(3, '0')}`,
    );
    const big = {
      ...feature,
      instances: services.map(service => ({
        service,
        state: 'ready' as const,
        updatedAt: '2026-11-23T10:00:00Z',
      })),
      routing: services.map((service, i) => ({
        service,
        target: i < 2 ? ('feature' as const) : ('default' as const),
      })),
    };
    await render({ getFeature: async () => big }, '/feature-31337');

    // material-table renders its pager twice (for wide and narrow screens).
    expect(await screen.findAllByText('1-20 of 300')).not.toHaveLength(0);
    const table = screen
      .getByRole('cell', { name: 'svc-000' })
      .closest('table')!;
    // The header row and one page of rows.
    expect(within(table as HTMLElement).getAllByRole('row')).toHaveLength(21);
    expect(
      within(table as HTMLElement).getByText('svc-019'),
    ).toBeInTheDocument();
    expect(within(table as HTMLElement).queryByText('svc-020')).toBeNull();
    fireEvent.click(screen.getAllByRole('button', { name: 'Next Page' })[0]);
    expect(await screen.findAllByText('21-40 of 300')).not.toHaveLength(0);
    expect(
      within(table as HTMLElement).getByText('svc-020'),
    ).toBeInTheDocument();

    expect(screen.getByText('svc-000 → feature-31337')).toBeInTheDocument();
    expect(
      screen.getByText('298 others fall back to default'),
    ).toBeInTheDocument();
    expect(screen.queryByText('svc-002 → default')).toBeNull();
  });

  it('extends the TTL', async () => {
    const extendFeature = jest.fn(
      async (_name: string, _hours: number) => feature,
    );
    await render(
      { getFeature: async () => feature, extendFeature },
      '/feature-31337',
    );
    const extend = await screen.findByRole('button', {
      name: 'Extend by 24 h',
    });
    await waitFor(() => expect(extend).toBeEnabled());
    fireEvent.click(extend);
    await waitFor(() =>
      expect(extendFeature).toHaveBeenCalledWith('feature-31337', 24),
    );
  });

  describe('delete', () => {
    const removeOperation = (state: Operation['state']): Operation => ({
      ...demoOperation(state, {
        done: state === 'succeeded' ? 2 : 0,
        total: 2,
      }),
      type: 'remove-feature',
      feature: 'feature-31337',
    });

    /** The feature-branch pages mounted at /feature-branches, as in the app, on the feature's page. */
    function renderMounted(api: Partial<EnvironmentsApi>) {
      return renderWithApis(
        <Routes>
          <Route
            path="/feature-branches/*"
            element={<FeatureBranchesPageWithHeader />}
          />
        </Routes>,
        { api, routeEntries: ['/feature-branches/feature-31337'] },
      );
    }

    async function openDialog() {
      const button = await screen.findByRole('button', { name: 'Delete' });
      await waitFor(() => expect(button).toBeEnabled());
      fireEvent.click(button);
      return screen.findByRole('dialog');
    }

    it('asks to type the name before it deletes', async () => {
      const deleteFeature = jest.fn(async () => removeOperation('pending'));
      await renderMounted({
        getFeature: async () => feature,
        deleteFeature,
        getOperation: () => new Promise(() => {}),
      });

      const dialog = await openDialog();
      const confirm = within(dialog).getByRole('button', { name: 'Delete' });
      const input = within(dialog).getByLabelText('Feature branch name');
      expect(confirm).toBeDisabled();
      fireEvent.change(input, { target: { value: 'feature-3133' } });
      expect(confirm).toBeDisabled();
      fireEvent.change(input, { target: { value: 'Feature-31337' } });
      expect(confirm).toBeDisabled();
      // Enter in the field does not get around it.
      fireEvent.submit(input);
      expect(deleteFeature).not.toHaveBeenCalled();

      fireEvent.change(input, { target: { value: 'feature-31337' } });
      expect(confirm).toBeEnabled();
      fireEvent.click(confirm);
      await waitFor(() =>
        expect(deleteFeature).toHaveBeenCalledWith('feature-31337'),
      );
      expect(
        await within(dialog).findByRole('progressbar', {
          name: 'Operation op-2 progress',
        }),
      ).toBeInTheDocument();
    });

    it('leads to the list once the feature branch is deleted, not to a "not found" page', async () => {
      let deleted = false;
      await renderMounted({
        getFeature: async () => {
          if (deleted) {
            return responseError(
              404,
              'NotFoundError',
              "no feature branch 'feature-31337'",
            );
          }
          return feature;
        },
        deleteFeature: async () => removeOperation('pending'),
        getOperation: async () => {
          deleted = true;
          return removeOperation('succeeded');
        },
        listFeatures: async () => ({ items: [] }),
      });

      const dialog = await openDialog();
      fireEvent.change(within(dialog).getByLabelText('Feature branch name'), {
        target: { value: 'feature-31337' },
      });
      fireEvent.click(within(dialog).getByRole('button', { name: 'Delete' }));

      expect(
        await screen.findByText(/No feature branches yet/),
      ).toBeInTheDocument();
      expect(
        screen.queryByText(/no feature branch 'feature-31337'/),
      ).toBeNull();
      expect(screen.queryByRole('dialog')).toBeNull();
    });

    it("shows the backend's reason when the delete is refused and stays on the page", async () => {
      await renderMounted({
        getFeature: async () => feature,
        deleteFeature: () =>
          responseError(
            409,
            'ConflictError',
            "feature branch 'feature-31337' has an operation running",
          ),
      });

      const dialog = await openDialog();
      fireEvent.change(within(dialog).getByLabelText('Feature branch name'), {
        target: { value: 'feature-31337' },
      });
      fireEvent.click(within(dialog).getByRole('button', { name: 'Delete' }));

      expect(
        await within(dialog).findByText(/has an operation running \(409\)/),
      ).toBeInTheDocument();
      fireEvent.click(within(dialog).getByRole('button', { name: 'Cancel' }));
      expect(screen.getByText('demo-api → feature-31337')).toBeInTheDocument();
    });
  });
});
