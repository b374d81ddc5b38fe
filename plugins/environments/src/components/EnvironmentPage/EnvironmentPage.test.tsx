import { ResponseError } from '@backstage/errors';
import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { EnvironmentsApi } from '../../api';
import {
  demoDiff,
  demoEnvironment,
  demoOperation,
  demoStatus,
  logLine,
} from '../../testing/stubEnvironmentsApi';
import { renderWithApis } from '../../__testUtils__/renderWithApis';
import { EnvironmentPage } from './EnvironmentPage';

function renderPage(api: Partial<EnvironmentsApi>) {
  return renderWithApis(<EnvironmentPage name="demo" />, { api });
}

/** The 404 the backend answers for an unknown environment, as the client turns it into an error. */
async function notFound(): Promise<never> {
  throw await ResponseError.fromResponse(
    new Response(
      JSON.stringify({
        error: { name: 'NotFoundError', message: 'No environment named demo' },
        request: { method: 'GET', url: '/environments/demo' },
        response: { statusCode: 404 },
      }),
      {
        status: 404,
        statusText: 'Not Found',
        headers: { 'Content-Type': 'application/json' },
      },
    ),
  );
}

const loaded = {
  getEnvironment: async () => demoEnvironment,
  getStatus: async () => demoStatus,
};

// The page is large; a busy machine renders it slowly.
jest.setTimeout(30_000);

describe('EnvironmentPage', () => {
  it('shows progress while the environment loads', async () => {
    await renderPage({ getEnvironment: () => new Promise(() => {}) });

    expect(await screen.findAllByRole('progressbar')).not.toHaveLength(0);
  });

  it("shows the backend's message when the environment does not exist", async () => {
    await renderPage({ getEnvironment: notFound, getStatus: notFound });

    expect(
      await screen.findAllByText(/No environment named demo/),
    ).not.toHaveLength(0);
    expect(screen.getAllByText(/404/)).not.toHaveLength(0);
  });

  it('shows where the environment runs and its services with ready counts and drift', async () => {
    await renderPage(loaded);

    expect(await screen.findByText('The demo shop')).toBeInTheDocument();
    expect(screen.getByText('local')).toBeInTheDocument();
    expect(screen.getByRole('link', { name: /platform-team/ })).toHaveAttribute(
      'href',
      '/catalog/default/group/platform-team',
    );

    expect(await screen.findByText('2/2')).toBeInTheDocument();
    expect(screen.getByText('0/1')).toBeInTheDocument();
    expect(screen.getByText('1.4.0')).toBeInTheDocument();
    expect(screen.getByText('0.9.1')).toBeInTheDocument();
    // Only demo-web drifted.
    expect(screen.getAllByText(/Drift \(\d+\)/)).toHaveLength(1);
    expect(screen.getByText('Drift (1)')).toBeInTheDocument();
    expect(screen.getByText('Services (2)')).toBeInTheDocument();
  });

  it('shows an environment without services and without operations', async () => {
    await renderPage({
      getEnvironment: async () => ({
        ...demoEnvironment,
        globalValues: {},
        services: [],
      }),
      getStatus: async () => ({ services: [] }),
      listOperations: async () => ({ items: [] }),
    });

    expect(await screen.findByText('Services (0)')).toBeInTheDocument();
    expect(screen.getByText('No records to display')).toBeInTheDocument();
    expect(await screen.findByText('No operations yet.')).toBeInTheDocument();
    expect(
      screen.queryByRole('list', { name: 'Recent operations' }),
    ).toBeNull();
    expect(screen.queryByRole('progressbar')).toBeNull();
    expect(screen.getByLabelText('Global values (YAML)')).toHaveValue('');
  });

  it('still shows the services when the status cannot be loaded', async () => {
    await renderPage({
      getEnvironment: async () => demoEnvironment,
      getStatus: async () => {
        throw new Error('watch not ready');
      },
    });

    expect(
      await screen.findByText(/Could not load the status: watch not ready/),
    ).toBeInTheDocument();
    expect(screen.getByText('Services (2)')).toBeInTheDocument();
  });

  it('shows the recent operations', async () => {
    await renderPage({
      ...loaded,
      listOperations: async () => ({
        items: [
          {
            ...demoOperation('failed', { done: 1, total: 3 }, 'op-1'),
            error: 'demo-api: image pull failed',
          },
        ],
      }),
    });

    expect(
      await screen.findByText(/update by user:default\/jane/),
    ).toBeInTheDocument();
    expect(screen.getByText(/image pull failed/)).toBeInTheDocument();
  });

  it('reports a bad YAML without calling the backend', async () => {
    const diffEnvironment = jest.fn();
    await renderPage({ ...loaded, diffEnvironment });

    const editor = await screen.findByLabelText('Global values (YAML)');
    fireEvent.change(editor, { target: { value: '- just\n- a list\n' } });
    fireEvent.click(screen.getByRole('button', { name: 'Preview diff' }));

    expect(
      await screen.findByText(/Global values must be a YAML map/),
    ).toBeInTheDocument();
    expect(diffEnvironment).not.toHaveBeenCalled();
  });

  it('edits the global values, previews the diff, saves and follows the operation', async () => {
    const diffEnvironment = jest.fn(async () => demoDiff);
    const updateEnvironment = jest.fn(async () =>
      demoOperation('pending', { done: 0, total: 3 }),
    );
    const getOperation = jest
      .fn()
      .mockResolvedValueOnce(demoOperation('running', { done: 1, total: 3 }))
      .mockResolvedValue(demoOperation('succeeded', { done: 3, total: 3 }));
    const getOperationLogs = jest
      .fn()
      .mockResolvedValueOnce({ items: [logLine(1, 'applying demo-api')] })
      .mockResolvedValue({ items: [logLine(2, 'demo-api ready')] });
    await renderPage({
      ...loaded,
      diffEnvironment,
      updateEnvironment,
      getOperation,
      getOperationLogs,
    });

    const editor = await screen.findByLabelText('Global values (YAML)');
    expect(editor).toHaveValue('replicaCount: 1\nenv:\n  LOG_LEVEL: info\n');
    fireEvent.change(editor, {
      target: { value: 'replicaCount: 3\nenv:\n  LOG_LEVEL: debug\n' },
    });
    const values = { replicaCount: 3, env: { LOG_LEVEL: 'debug' } };

    fireEvent.click(screen.getByRole('button', { name: 'Preview diff' }));
    const changes = await screen.findByRole('list', { name: 'Changes' });
    expect(within(changes).getByText('demo-api')).toBeInTheDocument();
    expect(
      within(changes).getByText('update Deployment demo-api (spec.template)'),
    ).toBeInTheDocument();
    expect(diffEnvironment).toHaveBeenCalledWith('demo', {
      globalValues: values,
    });
    expect(updateEnvironment).not.toHaveBeenCalled();

    const save = screen.getByRole('button', { name: 'Save' });
    await waitFor(() => expect(save).toBeEnabled());
    fireEvent.click(save);
    await waitFor(() =>
      expect(updateEnvironment).toHaveBeenCalledWith('demo', {
        globalValues: values,
      }),
    );

    // The first poll: running, one of three steps.
    const progress = await screen.findByRole('progressbar', {
      name: 'Operation op-2 progress',
    });
    await waitFor(() =>
      expect(progress).toHaveAttribute('aria-valuenow', '33'),
    );
    expect(await screen.findByText(/applying demo-api/)).toBeInTheDocument();
    expect(getOperationLogs).toHaveBeenCalledWith('op-2', undefined);

    // The next poll, two seconds later: done.
    expect(
      await screen.findByText('update succeeded: 3/3 steps', undefined, {
        timeout: 5000,
      }),
    ).toBeInTheDocument();
    expect(progress).toHaveAttribute('aria-valuenow', '100');
    expect(screen.getByText(/demo-api ready/)).toBeInTheDocument();
    expect(getOperationLogs).toHaveBeenLastCalledWith('op-2', 1);
  });
});
