import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { Route, Routes } from 'react-router-dom';
import { EnvironmentsApi } from '../../api';
import { Operation } from '../../api/types';
import {
  demoFeature,
  demoEnvironment,
  demoOperation,
  responseError,
} from '../../testing/stubEnvironmentsApi';
import { renderWithApis } from '../../__testUtils__/renderWithApis';
import { EnvironmentActions } from './EnvironmentActions';

jest.setTimeout(30_000);

const deleteOperation = (state: Operation['state']): Operation => ({
  ...demoOperation(state, { done: state === 'succeeded' ? 2 : 0, total: 2 }),
  type: 'delete',
});

/** The actions on /environments/demo, with the sibling pages showing which environment they are. */
function renderActions(
  api: Partial<EnvironmentsApi>,
  onStarted = jest.fn(),
  environment = demoEnvironment,
) {
  const Page = () => <p>list of environments</p>;
  return renderWithApis(
    <Routes>
      <Route path="/environments" element={<Page />} />
      <Route
        path="/environments/demo"
        element={
          <EnvironmentActions environment={environment} onStarted={onStarted} />
        }
      />
      <Route
        path="/environments/:name"
        element={<p>environment page of the copy</p>}
      />
    </Routes>,
    { api, routeEntries: ['/environments/demo'] },
  );
}

describe('EnvironmentActions', () => {
  describe('sleep and wake', () => {
    const sleepOperation = (type: 'sleep' | 'wake'): Operation => ({
      ...demoOperation('pending', { done: 0, total: 2 }),
      type,
    });

    it('puts an awake environment to sleep and then offers to wake it', async () => {
      const sleepEnvironment = jest.fn(async () => sleepOperation('sleep'));
      const onStarted = jest.fn();
      await renderActions({ sleepEnvironment }, onStarted);

      fireEvent.click(await screen.findByRole('button', { name: 'Sleep' }));

      await waitFor(() =>
        expect(onStarted).toHaveBeenCalledWith(sleepOperation('sleep')),
      );
      expect(sleepEnvironment).toHaveBeenCalledWith('demo');
      expect(await screen.findByRole('button', { name: 'Wake' })).toBeEnabled();
    });

    it('wakes a sleeping environment', async () => {
      const wakeEnvironment = jest.fn(async () => sleepOperation('wake'));
      const onStarted = jest.fn();
      await renderActions({ wakeEnvironment }, onStarted, {
        ...demoEnvironment,
        asleepSince: '2026-11-20T22:00:00.000Z',
      });

      fireEvent.click(await screen.findByRole('button', { name: 'Wake' }));

      await waitFor(() =>
        expect(onStarted).toHaveBeenCalledWith(sleepOperation('wake')),
      );
      expect(wakeEnvironment).toHaveBeenCalledWith('demo');
      expect(
        await screen.findByRole('button', { name: 'Sleep' }),
      ).toBeInTheDocument();
    });

    it("shows the backend's reason when it refuses, and keeps the state", async () => {
      const onStarted = jest.fn();
      await renderActions(
        {
          sleepEnvironment: () =>
            responseError(
              409,
              'ConflictError',
              "environment 'demo' has operation op-1 (update) in progress",
            ),
        },
        onStarted,
      );

      fireEvent.click(await screen.findByRole('button', { name: 'Sleep' }));

      expect(
        await screen.findByText(
          /Could not put to sleep demo: .*has operation op-1 \(update\) in progress/,
        ),
      ).toBeInTheDocument();
      expect(screen.getByRole('button', { name: 'Sleep' })).toBeEnabled();
      expect(onStarted).not.toHaveBeenCalled();
    });
  });

  describe('delete', () => {
    it('needs the environment name typed before it deletes, and names the feature branches that go with it', async () => {
      const deleteEnvironment = jest.fn(
        async (_name: string, _options?: { cascade?: boolean }) =>
          deleteOperation('pending'),
      );
      await renderActions({
        deleteEnvironment,
        listFeatures: async () => ({ items: [demoFeature] }),
        getOperation: async () => deleteOperation('running'),
      });

      fireEvent.click(screen.getByRole('button', { name: 'Delete' }));
      const dialog = await screen.findByRole('dialog');
      const confirm = within(dialog).getByRole('button', { name: 'Delete' });
      const input = within(dialog).getByLabelText('Environment name');
      expect(confirm).toBeDisabled();
      expect(
        await within(dialog).findByText(
          new RegExp(`and its feature branches ${demoFeature.name}\\.`),
        ),
      ).toBeInTheDocument();

      fireEvent.change(input, { target: { value: 'dem' } });
      expect(confirm).toBeDisabled();
      fireEvent.change(input, { target: { value: 'Demo' } });
      expect(confirm).toBeDisabled();
      // Enter in the field does not get around it either.
      fireEvent.submit(input);
      expect(deleteEnvironment).not.toHaveBeenCalled();

      fireEvent.change(input, { target: { value: 'demo' } });
      expect(confirm).toBeEnabled();
      fireEvent.click(confirm);

      await waitFor(() =>
        expect(deleteEnvironment).toHaveBeenCalledWith('demo', {
          cascade: true,
        }),
      );
      expect(
        await within(dialog).findByRole('progressbar', {
          name: 'Operation op-2 progress',
        }),
      ).toBeInTheDocument();
    });

    it('follows the delete to its end and then leads back to the list', async () => {
      await renderActions({
        deleteEnvironment: async () => deleteOperation('pending'),
        getOperation: async () => deleteOperation('succeeded'),
      });

      fireEvent.click(screen.getByRole('button', { name: 'Delete' }));
      const dialog = await screen.findByRole('dialog');
      fireEvent.change(within(dialog).getByLabelText('Environment name'), {
        target: { value: 'demo' },
      });
      fireEvent.click(within(dialog).getByRole('button', { name: 'Delete' }));

      expect(
        await within(dialog).findByText('delete succeeded: 2/2 steps'),
      ).toBeInTheDocument();
      expect(within(dialog).getByText(/demo was deleted/)).toBeInTheDocument();
      fireEvent.click(
        within(dialog).getByRole('link', { name: 'Back to the environments' }),
      );

      expect(
        await screen.findByText('list of environments'),
      ).toBeInTheDocument();
    });

    it("shows the backend's reason when the delete is refused", async () => {
      const onStarted = jest.fn();
      await renderActions(
        {
          deleteEnvironment: () =>
            responseError(
              409,
              'ConflictError',
              "environment 'demo' has an operation in progress",
            ),
        },
        onStarted,
      );

      fireEvent.click(screen.getByRole('button', { name: 'Delete' }));
      const dialog = await screen.findByRole('dialog');
      fireEvent.change(within(dialog).getByLabelText('Environment name'), {
        target: { value: 'demo' },
      });
      fireEvent.click(within(dialog).getByRole('button', { name: 'Delete' }));

      expect(
        await within(dialog).findByText(
          /environment 'demo' has an operation in progress \(409\)/,
        ),
      ).toBeInTheDocument();
      fireEvent.click(within(dialog).getByRole('button', { name: 'Cancel' }));
      expect(onStarted).not.toHaveBeenCalled();
    });
  });

  describe('copy', () => {
    it('checks the new name before it asks the backend', async () => {
      const copyEnvironment = jest.fn();
      await renderActions({ copyEnvironment });

      fireEvent.click(screen.getByRole('button', { name: 'Copy' }));
      const dialog = await screen.findByRole('dialog');
      const copy = within(dialog).getByRole('button', { name: 'Copy' });
      expect(copy).toBeDisabled();

      fireEvent.change(within(dialog).getByLabelText(/New name/), {
        target: { value: 'Demo_Copy' },
      });
      expect(
        within(dialog).getByText(/Name must be a DNS-1123 label/),
      ).toBeInTheDocument();
      expect(copy).toBeDisabled();
      expect(copyEnvironment).not.toHaveBeenCalled();
    });

    it('copies into a new environment and opens it', async () => {
      const copyEnvironment = jest.fn(async () => ({
        ...demoOperation('pending', { done: 0, total: 3 }),
        environment: 'demo-copy',
        type: 'copy' as const,
      }));
      await renderActions({ copyEnvironment });

      fireEvent.click(screen.getByRole('button', { name: 'Copy' }));
      const dialog = await screen.findByRole('dialog');
      fireEvent.change(within(dialog).getByLabelText(/New name/), {
        target: { value: 'demo-copy' },
      });
      fireEvent.change(within(dialog).getByLabelText(/Namespace/), {
        target: { value: 'team-a' },
      });
      fireEvent.click(within(dialog).getByRole('button', { name: 'Copy' }));

      expect(
        await screen.findByText('environment page of the copy'),
      ).toBeInTheDocument();
      expect(copyEnvironment).toHaveBeenCalledWith('demo', {
        name: 'demo-copy',
        namespace: 'team-a',
      });
    });

    it("leaves the namespace out when it is not given, and shows the backend's reason for a taken name", async () => {
      const copyEnvironment = jest.fn(() =>
        responseError(
          409,
          'ConflictError',
          "environment 'demo-dev' already exists",
        ),
      );
      await renderActions({ copyEnvironment });

      fireEvent.click(screen.getByRole('button', { name: 'Copy' }));
      const dialog = await screen.findByRole('dialog');
      fireEvent.change(within(dialog).getByLabelText(/New name/), {
        target: { value: 'demo-dev' },
      });
      fireEvent.click(within(dialog).getByRole('button', { name: 'Copy' }));

      expect(
        await within(dialog).findByText(
          /environment 'demo-dev' already exists \(409\)/,
        ),
      ).toBeInTheDocument();
      expect(copyEnvironment).toHaveBeenCalledWith('demo', {
        name: 'demo-dev',
      });
    });
  });
});
