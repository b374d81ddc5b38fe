import {
  environmentCreatePermission,
  environmentDeletePermission,
  environmentSecretWritePermission,
} from '@envmesh/plugin-environments-common';
import { fireEvent, screen, waitFor } from '@testing-library/react';
import { EnvironmentsPage } from './components/EnvironmentsPage';
import {
  demoDiff,
  demoEnvironment,
  demoStatus,
} from './testing/stubEnvironmentsApi';
import { renderWithApis } from './__testUtils__/renderWithApis';

jest.setTimeout(30_000);

/**
 * One policy for the whole file (permission decisions are cached per permission and environment): a user
 * who may change environments but not create or delete them, nor write secrets.
 */
const denied = [
  environmentCreatePermission.name,
  environmentDeletePermission.name,
  environmentSecretWritePermission.name,
];

const api = {
  listEnvironments: async () => ({ items: [] }),
  getEnvironment: async () => demoEnvironment,
  getStatus: async () => demoStatus,
  diffEnvironment: async () => demoDiff,
};

/** The button, once the permission check settled (it is disabled while checking). */
async function settledButton(name: string | RegExp) {
  const button = await screen.findByRole('button', { name });
  await waitFor(() =>
    expect(button.closest('[title]')?.getAttribute('title') ?? '').not.toMatch(
      /^Checking/,
    ),
  );
  return button;
}

describe('permissions', () => {
  it('disables "Create" on the list, with a tooltip saying why', async () => {
    await renderWithApis(<EnvironmentsPage />, { api, denied });

    const create = await settledButton('Create');
    expect(create).toBeDisabled();
    expect(create.closest('[title]')).toHaveAttribute(
      'title',
      'You are not allowed to create environments (needs environments.environment.create)',
    );
  });

  it('disables copy, delete and secret writes on an environment, and leaves updates enabled', async () => {
    await renderWithApis(<EnvironmentsPage />, {
      api,
      denied,
      routeEntries: ['/demo'],
    });

    const copy = await settledButton('Copy');
    expect(copy).toBeDisabled();
    expect(copy.closest('[title]')).toHaveAttribute(
      'title',
      expect.stringMatching(/not allowed to create environments/),
    );

    const del = await settledButton('Delete');
    expect(del).toBeDisabled();
    expect(del.closest('[title]')).toHaveAttribute(
      'title',
      'You are not allowed to delete this environment (needs environments.environment.delete)',
    );
    // Clicking a disabled button opens nothing.
    fireEvent.click(del);
    expect(screen.queryByRole('dialog')).toBeNull();

    const setValues = await settledButton('Set values of demo-db-credentials');
    expect(setValues).toBeDisabled();
    expect(setValues.closest('[title]')).toHaveAttribute(
      'title',
      expect.stringMatching(/not allowed to write secret values/),
    );

    // environments.environment.update is allowed.
    expect(await settledButton('Update demo-api')).toBeEnabled();
    expect(await settledButton('Roll back demo-api')).toBeEnabled();
    // Save is not held back by a permission: it waits for a preview only.
    for (const [save, preview] of [
      ['Save', 'Preview diff'],
      ['Save ConfigMaps', 'Preview ConfigMaps diff'],
    ]) {
      const button = await settledButton(save);
      expect(button.closest('[title]')).toBeNull();
      fireEvent.click(screen.getByRole('button', { name: preview }));
      await waitFor(() =>
        expect(screen.getByRole('button', { name: save })).toBeEnabled(),
      );
    }
  });
});
