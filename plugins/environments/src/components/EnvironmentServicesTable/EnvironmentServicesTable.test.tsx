import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { EnvironmentsApi } from '../../api';
import {
  demoEnvironment,
  demoMergedValues,
  demoOperation,
  demoRevisions,
  demoStatus,
  responseError,
} from '../../testing/stubEnvironmentsApi';
import { renderWithApis } from '../../__testUtils__/renderWithApis';
import { EnvironmentServicesTable } from './EnvironmentServicesTable';

jest.setTimeout(30_000);

function renderTable(
  api: Partial<EnvironmentsApi> = {},
  callbacks: {
    onStarted?: jest.Mock;
    onFinished?: jest.Mock;
  } = {},
) {
  return renderWithApis(
    <EnvironmentServicesTable
      environment={demoEnvironment}
      status={demoStatus}
      componentRefs={{ 'demo-api': 'component:default/demo-api' }}
      {...callbacks}
    />,
    { api },
  );
}

describe('EnvironmentServicesTable', () => {
  it('shows versions, ready counts, drift and the catalog component', async () => {
    await renderTable();

    expect(screen.getByText('Services (2)')).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'demo-api' })).toHaveAttribute(
      'href',
      '/catalog/default/component/demo-api',
    );
    // demo-web has no catalog component: no link.
    expect(screen.queryByRole('link', { name: 'demo-web' })).toBeNull();
    expect(screen.getByText('1.4.0')).toBeInTheDocument();
    expect(screen.getByText('2/2')).toBeInTheDocument();
    expect(screen.getByText('0/1')).toBeInTheDocument();
    expect(screen.getByText('Drift (1)')).toBeInTheDocument();
  });

  it('shows the running images when they are not the desired one', async () => {
    await renderWithApis(
      <EnvironmentServicesTable
        environment={demoEnvironment}
        status={{
          services: [
            {
              ...demoStatus.services[0],
              desiredImage: 'registry.local/demo-api:1.5.0',
            },
          ],
        }}
      />,
    );

    expect(
      screen.getByText('registry.local/demo-api:1.5.0'),
    ).toBeInTheDocument();
    expect(
      screen.getByText('running registry.local/demo-api:1.4.0'),
    ).toBeInTheDocument();
  });

  it('pages a 300-service environment 20 rows at a time', async () => {
    const services = Array.from({ length: 300 }, (_, i) => ({
      name: `svc-${String(i).padStart(3, '0')}`,
    }));
    await renderWithApis(
      <EnvironmentServicesTable
        environment={{ ...demoEnvironment, services }}
      />,
    );

    expect(screen.getByText('Services (300)')).toBeInTheDocument();
    expect(screen.getByText('svc-000')).toBeInTheDocument();
    expect(screen.getByText('svc-019')).toBeInTheDocument();
    expect(screen.queryByText('svc-020')).toBeNull();
    expect(screen.getAllByRole('button', { name: /^Values of/ })).toHaveLength(
      20,
    );
  });

  it('opens the merged values of a service with where each value came from', async () => {
    const getServiceValues = jest.fn(async () => demoMergedValues);
    await renderTable({ getServiceValues });

    fireEvent.click(screen.getByRole('button', { name: 'Values of demo-api' }));

    const dialog = await screen.findByRole('dialog');
    expect(await within(dialog).findByText('image.tag')).toBeInTheDocument();
    expect(getServiceValues).toHaveBeenCalledWith('demo', 'demo-api');
  });

  it('updates the version of one service and keeps the others as they are', async () => {
    const updateEnvironment = jest.fn(async () =>
      demoOperation('pending', { done: 0, total: 2 }),
    );
    const onStarted = jest.fn();
    const onFinished = jest.fn();
    await renderTable(
      {
        updateEnvironment,
        getOperation: async () =>
          demoOperation('succeeded', { done: 2, total: 2 }),
      },
      { onStarted, onFinished },
    );

    fireEvent.click(screen.getByRole('button', { name: 'Update demo-api' }));
    const dialog = await screen.findByRole('dialog');
    const tag = within(dialog).getByLabelText(/Image tag/);
    expect(tag).toHaveValue('1.4.0');
    // The same tag changes nothing.
    expect(
      within(dialog).getByRole('button', { name: 'Update' }),
    ).toBeDisabled();
    fireEvent.change(tag, { target: { value: '1.5.0' } });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Update' }));

    await waitFor(() =>
      expect(updateEnvironment).toHaveBeenCalledWith('demo', {
        services: [
          { name: 'demo-api', imageTag: '1.5.0', values: { replicaCount: 2 } },
          { name: 'demo-web' },
        ],
      }),
    );
    expect(
      await within(dialog).findByText('update succeeded: 2/2 steps'),
    ).toBeInTheDocument();
    expect(onFinished).toHaveBeenCalledWith(
      expect.objectContaining({ state: 'succeeded' }),
    );

    fireEvent.click(within(dialog).getByRole('button', { name: 'Close' }));
    expect(onStarted).toHaveBeenCalledWith(
      expect.objectContaining({ id: 'op-2' }),
    );
  });

  it('rolls a service back to a revision picked from its revisions', async () => {
    const listRevisions = jest.fn(async () => ({ items: demoRevisions }));
    const rollbackService = jest.fn(async () => ({
      ...demoOperation('running', { done: 1, total: 2 }),
      type: 'rollback' as const,
    }));
    await renderTable({
      listRevisions,
      rollbackService,
      getOperation: async () => ({
        ...demoOperation('running', { done: 1, total: 2 }),
        type: 'rollback' as const,
      }),
    });

    fireEvent.click(screen.getByRole('button', { name: 'Roll back demo-api' }));
    const dialog = await screen.findByRole('dialog');
    const revisions = await within(dialog).findByRole('radiogroup', {
      name: 'Revisions',
    });
    expect(listRevisions).toHaveBeenCalledWith('demo', 'demo-api');
    // Revision 3 is the one running.
    expect(
      within(revisions).getByLabelText(/Revision 3 · 1.4.0.*\(current\)/),
    ).toBeDisabled();
    expect(
      within(dialog).getByRole('button', { name: 'Roll back' }),
    ).toBeDisabled();

    fireEvent.click(within(revisions).getByLabelText(/Revision 2 · 1.3.0/));
    fireEvent.click(within(dialog).getByRole('button', { name: 'Roll back' }));

    await waitFor(() =>
      expect(rollbackService).toHaveBeenCalledWith('demo', 'demo-api', 2),
    );
    const progress = await within(dialog).findByRole('progressbar', {
      name: 'Operation op-2 progress',
    });
    expect(progress).toHaveAttribute('aria-valuenow', '50');
  });

  it("shows the backend's reason when a rollback is refused", async () => {
    await renderTable({
      listRevisions: async () => ({ items: demoRevisions }),
      rollbackService: () =>
        responseError(
          409,
          'ConflictError',
          "environment 'demo' has an operation in progress",
        ),
    });

    fireEvent.click(screen.getByRole('button', { name: 'Roll back demo-api' }));
    const dialog = await screen.findByRole('dialog');
    fireEvent.click(await within(dialog).findByLabelText(/Revision 1 ·/));
    fireEvent.click(within(dialog).getByRole('button', { name: 'Roll back' }));

    expect(
      await within(dialog).findByText(
        /environment 'demo' has an operation in progress \(409\)/,
      ),
    ).toBeInTheDocument();
  });

  it('says when a service has no revisions, and shows why revisions cannot be listed', async () => {
    const listRevisions = jest
      .fn()
      .mockResolvedValueOnce({ items: [] })
      .mockRejectedValueOnce(new Error('store unavailable'));
    await renderTable({ listRevisions });

    fireEvent.click(screen.getByRole('button', { name: 'Roll back demo-web' }));
    let dialog = await screen.findByRole('dialog');
    expect(
      await within(dialog).findByText(/demo-web has no revisions yet/),
    ).toBeInTheDocument();
    fireEvent.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());

    fireEvent.click(screen.getByRole('button', { name: 'Roll back demo-api' }));
    dialog = await screen.findByRole('dialog');
    expect(
      (await within(dialog).findAllByText(/store unavailable/)).length,
    ).toBeGreaterThan(0);
  });
});
