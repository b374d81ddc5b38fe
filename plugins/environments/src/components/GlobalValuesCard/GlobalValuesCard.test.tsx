import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { EnvironmentsApi } from '../../api';
import { DiffResult } from '../../api/types';
import {
  demoDiff,
  demoOperation,
  responseError,
} from '../../testing/stubEnvironmentsApi';
import { renderWithApis } from '../../__testUtils__/renderWithApis';
import { GlobalValuesCard } from './GlobalValuesCard';

jest.setTimeout(30_000);

async function renderCard(api: Partial<EnvironmentsApi>) {
  const onSaved = jest.fn();
  await renderWithApis(
    <GlobalValuesCard
      name="demo"
      globalValues={{ replicaCount: 1 }}
      onSaved={onSaved}
    />,
    { api },
  );
  return { onSaved, editor: screen.getByLabelText('Global values (YAML)') };
}

const saveButton = () => screen.getByRole('button', { name: 'Save' });
const previewButton = () =>
  screen.getByRole('button', { name: 'Preview diff' });
const hint = /Preview the diff of the current text to save it/;

describe('GlobalValuesCard', () => {
  it('saves only what was previewed: editing drops the preview and disables Save until the next preview', async () => {
    const diffEnvironment = jest.fn(async () => demoDiff);
    const operation = demoOperation('pending', { done: 0, total: 2 });
    const updateEnvironment = jest.fn(async () => operation);
    const { onSaved, editor } = await renderCard({
      diffEnvironment,
      updateEnvironment,
    });

    // Nothing previewed yet.
    expect(saveButton()).toBeDisabled();
    expect(screen.getByText(hint)).toBeInTheDocument();

    fireEvent.change(editor, { target: { value: 'replicaCount: 2\n' } });
    fireEvent.click(previewButton());
    expect(
      await screen.findByRole('list', { name: 'Changes' }),
    ).toBeInTheDocument();
    await waitFor(() => expect(saveButton()).toBeEnabled());
    expect(screen.queryByText(hint)).toBeNull();

    // An edit after the preview: the old diff goes, Save waits for a new preview.
    fireEvent.change(editor, { target: { value: 'replicaCount: 3\n' } });
    expect(screen.queryByRole('list', { name: 'Changes' })).toBeNull();
    expect(saveButton()).toBeDisabled();
    expect(screen.getByText(hint)).toBeInTheDocument();
    fireEvent.click(saveButton());
    expect(updateEnvironment).not.toHaveBeenCalled();

    fireEvent.click(previewButton());
    await screen.findByRole('list', { name: 'Changes' });
    expect(diffEnvironment).toHaveBeenLastCalledWith('demo', {
      globalValues: { replicaCount: 3 },
    });
    await waitFor(() => expect(saveButton()).toBeEnabled());
    fireEvent.click(saveButton());

    await waitFor(() => expect(onSaved).toHaveBeenCalledWith(operation));
    expect(updateEnvironment).toHaveBeenCalledTimes(1);
    expect(updateEnvironment).toHaveBeenCalledWith('demo', {
      globalValues: { replicaCount: 3 },
    });
    expect(screen.getByText('Started operation op-2.')).toBeInTheDocument();
    // Saved once; a second save needs a new edit and preview.
    expect(saveButton()).toBeDisabled();
  });

  it('drops a preview that answers after the text was edited', async () => {
    let answer: (diff: DiffResult) => void = () => {};
    const diffEnvironment = jest.fn(
      () =>
        new Promise<DiffResult>(resolve => {
          answer = resolve;
        }),
    );
    const { editor } = await renderCard({ diffEnvironment });

    fireEvent.change(editor, { target: { value: 'replicaCount: 2\n' } });
    fireEvent.click(previewButton());
    await waitFor(() => expect(diffEnvironment).toHaveBeenCalled());
    fireEvent.change(editor, { target: { value: 'replicaCount: 5\n' } });
    answer(demoDiff);

    await waitFor(() => expect(previewButton()).toBeEnabled());
    expect(screen.queryByRole('list', { name: 'Changes' })).toBeNull();
    expect(saveButton()).toBeDisabled();
  });

  it("shows the API's reason when the preview is refused", async () => {
    await renderCard({
      diffEnvironment: () =>
        responseError(400, 'InputError', 'globalValues: expected an object'),
    });

    fireEvent.click(previewButton());

    expect(
      await screen.findByText(/globalValues: expected an object \(400\)/),
    ).toBeInTheDocument();
    expect(saveButton()).toBeDisabled();
  });

  it("shows the API's reason when the save fails, and keeps the preview to retry", async () => {
    const updateEnvironment = jest
      .fn()
      .mockImplementationOnce(() =>
        responseError(
          409,
          'ConflictError',
          "environment 'demo' has an operation running",
        ),
      )
      .mockResolvedValue(demoOperation('pending', { done: 0, total: 1 }));
    const { onSaved } = await renderCard({
      diffEnvironment: async () => demoDiff,
      updateEnvironment,
    });

    fireEvent.click(previewButton());
    await screen.findByRole('list', { name: 'Changes' });
    await waitFor(() => expect(saveButton()).toBeEnabled());
    fireEvent.click(saveButton());

    const alert = await screen.findByText(
      /environment 'demo' has an operation running \(409\)/,
    );
    expect(alert).toBeInTheDocument();
    expect(onSaved).not.toHaveBeenCalled();
    expect(screen.queryByText(/Started operation/)).toBeNull();
    const changes = screen.getByRole('list', { name: 'Changes' });
    expect(within(changes).getByText('demo-api')).toBeInTheDocument();

    await waitFor(() => expect(saveButton()).toBeEnabled());
    fireEvent.click(saveButton());
    expect(
      await screen.findByText('Started operation op-2.'),
    ).toBeInTheDocument();
    expect(screen.queryByText(/has an operation running/)).toBeNull();
  });
});
