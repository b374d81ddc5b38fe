import { fireEvent, screen, waitFor } from '@testing-library/react';
import { EnvironmentsApi } from '../../api';
import {
  demoOperation,
  logLine,
  responseError,
} from '../../testing/stubEnvironmentsApi';
import { renderWithApis } from '../../__testUtils__/renderWithApis';
import { OperationProgress } from './OperationProgress';

jest.setTimeout(30_000);

const running = demoOperation('running', { done: 1, total: 4 });

function renderProgress(api: Partial<EnvironmentsApi>, onFinished = jest.fn()) {
  return renderWithApis(
    <OperationProgress operation={running} onFinished={onFinished} />,
    { api },
  );
}

describe('OperationProgress', () => {
  it('shows the progress and the log lines of a running operation', async () => {
    await renderProgress({
      getOperation: async () => running,
      getOperationLogs: async () => ({
        items: [logLine(1, 'group 1: demo-api applied')],
      }),
    });

    expect(
      screen.getByRole('progressbar', { name: 'Operation op-2 progress' }),
    ).toHaveAttribute('aria-valuenow', '25');
    expect(
      await screen.findByText(/group 1: demo-api applied/),
    ).toBeInTheDocument();
  });

  it('reports the end once, with the error of a failed operation', async () => {
    const onFinished = jest.fn();
    const failed = {
      ...demoOperation('failed', { done: 2, total: 4 }),
      error: 'demo-api: image pull failed',
    };
    await renderProgress({ getOperation: async () => failed }, onFinished);

    expect(
      await screen.findByText('image pull failed', { exact: false }),
    ).toBeInTheDocument();
    expect(screen.getByText('update failed: 2/4 steps')).toBeInTheDocument();
    expect(onFinished).toHaveBeenCalledTimes(1);
    expect(onFinished).toHaveBeenCalledWith(failed);
    // Nothing left to cancel.
    expect(screen.queryByRole('button', { name: /Cancel/ })).toBeNull();
  });

  it('cancels a running operation', async () => {
    const cancelOperation = jest.fn(async () => ({
      ...running,
      cancelRequested: true,
    }));
    await renderProgress({
      getOperation: async () => running,
      cancelOperation,
    });

    const cancel = await screen.findByRole('button', {
      name: 'Cancel operation op-2',
    });
    await waitFor(() => expect(cancel).toBeEnabled());
    fireEvent.click(cancel);

    expect(
      await screen.findByText('update running: 1/4 steps (cancel requested)'),
    ).toBeInTheDocument();
    expect(cancelOperation).toHaveBeenCalledWith('op-2');
    expect(
      screen.queryByRole('button', { name: 'Cancel operation op-2' }),
    ).toBeNull();
  });

  it("shows the backend's reason when the cancel is refused", async () => {
    await renderProgress({
      getOperation: async () => running,
      cancelOperation: () =>
        responseError(409, 'ConflictError', 'operation op-2 already finished'),
    });

    const cancel = await screen.findByRole('button', {
      name: 'Cancel operation op-2',
    });
    await waitFor(() => expect(cancel).toBeEnabled());
    fireEvent.click(cancel);

    expect(
      await screen.findByText(
        /Could not cancel the operation: operation op-2 already finished \(409\)/,
      ),
    ).toBeInTheDocument();
  });
});
