import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { EnvironmentsApi } from '../../api';
import { Environment } from '../../api/types';
import {
  demoDiff,
  demoEnvironment,
  demoOperation,
  responseError,
} from '../../testing/stubEnvironmentsApi';
import { renderWithApis } from '../../__testUtils__/renderWithApis';
import { ConfigCard, parseConfigMaps } from './ConfigCard';

jest.setTimeout(30_000);

async function renderCard(
  api: Partial<EnvironmentsApi> = {},
  environment: Environment = demoEnvironment,
) {
  const onSaved = jest.fn();
  const result = await renderWithApis(
    <ConfigCard environment={environment} onSaved={onSaved} />,
    { api },
  );
  return { result, onSaved };
}

/** The Secret declarations the card must send back unchanged with every ConfigMaps change. */
const declaredSecrets = [
  {
    name: 'demo-db-credentials',
    type: 'Opaque',
    keys: ['password', 'username'],
  },
];

describe('parseConfigMaps', () => {
  it('reads ConfigMaps by name, numbers and booleans as text', () => {
    expect(
      parseConfigMaps('a:\n  PORT: 8080\n  DEBUG: true\n  NAME: x\nb:\n'),
    ).toEqual([
      { name: 'a', data: { PORT: '8080', DEBUG: 'true', NAME: 'x' } },
      { name: 'b', data: {} },
    ]);
    expect(parseConfigMaps('')).toEqual([]);
  });

  it('refuses what is not a map of maps of scalars', () => {
    expect(() => parseConfigMaps('- a')).toThrow(/YAML map of ConfigMap names/);
    expect(() => parseConfigMaps('a: text')).toThrow(
      /a: the data must be a map/,
    );
    expect(() => parseConfigMaps('a:\n  K:\n    nested: 1')).toThrow(
      /a\.K: values must be text/,
    );
  });
});

describe('ConfigCard', () => {
  it('shows the ConfigMaps as YAML and the secrets by key name only', async () => {
    await renderCard();

    expect(screen.getByLabelText('ConfigMaps (YAML)')).toHaveValue(
      'demo-shared-config:\n  SHOP_CURRENCY: EUR\n',
    );
    const secrets = screen.getByRole('list', { name: 'Secrets' });
    expect(
      within(secrets).getByText('demo-db-credentials (Opaque)'),
    ).toBeInTheDocument();
    expect(within(secrets).getByText('password')).toBeInTheDocument();
    expect(within(secrets).getByText('username')).toBeInTheDocument();
  });

  it('never shows secret values, even if the API sent some', async () => {
    const leaky = {
      ...demoEnvironment,
      config: {
        ...demoEnvironment.config,
        secrets: [
          {
            ...declaredSecrets[0],
            values: { password: 'hunter2-leaked' },
            data: { password: 'aHVudGVyMi1sZWFrZWQ=' },
          },
        ],
      },
    } as unknown as Environment;
    const { result } = await renderCard({}, leaky);

    expect(result.baseElement.innerHTML).not.toContain('hunter2-leaked');
    expect(result.baseElement.innerHTML).not.toContain('aHVudGVyMi1sZWFrZWQ=');
  });

  it('says when no secrets are declared', async () => {
    await renderCard(
      {},
      { ...demoEnvironment, config: { configMaps: [], secrets: [] } },
    );

    expect(screen.getByLabelText('ConfigMaps (YAML)')).toHaveValue('');
    expect(screen.getByText('No secrets declared.')).toBeInTheDocument();
  });

  it('reports a bad YAML without calling the backend', async () => {
    const diffEnvironment = jest.fn();
    await renderCard({ diffEnvironment });

    fireEvent.change(screen.getByLabelText('ConfigMaps (YAML)'), {
      target: { value: 'demo-shared-config: just text\n' },
    });
    fireEvent.click(
      screen.getByRole('button', { name: 'Preview ConfigMaps diff' }),
    );

    expect(
      await screen.findByText(/demo-shared-config: the data must be a map/),
    ).toBeInTheDocument();
    expect(diffEnvironment).not.toHaveBeenCalled();
  });

  it('previews the diff and saves the ConfigMaps with the secrets declared as they were', async () => {
    const diffEnvironment = jest.fn(async () => demoDiff);
    const operation = demoOperation('pending', { done: 0, total: 2 });
    const updateEnvironment = jest.fn(async () => operation);
    const { onSaved } = await renderCard({
      diffEnvironment,
      updateEnvironment,
    });

    fireEvent.change(screen.getByLabelText('ConfigMaps (YAML)'), {
      target: {
        value: 'demo-shared-config:\n  SHOP_CURRENCY: USD\n  RETRIES: 3\n',
      },
    });
    const patch = {
      config: {
        configMaps: [
          {
            name: 'demo-shared-config',
            data: { SHOP_CURRENCY: 'USD', RETRIES: '3' },
          },
        ],
        secrets: declaredSecrets,
      },
    };

    fireEvent.click(
      screen.getByRole('button', { name: 'Preview ConfigMaps diff' }),
    );
    const changes = await screen.findByRole('list', { name: 'Changes' });
    expect(within(changes).getByText('demo-api')).toBeInTheDocument();
    expect(diffEnvironment).toHaveBeenCalledWith('demo', patch);
    expect(updateEnvironment).not.toHaveBeenCalled();

    const save = screen.getByRole('button', { name: 'Save ConfigMaps' });
    await waitFor(() => expect(save).toBeEnabled());
    fireEvent.click(save);
    await waitFor(() => expect(onSaved).toHaveBeenCalledWith(operation));
    expect(updateEnvironment).toHaveBeenCalledWith('demo', patch);
    expect(screen.getByText('Started operation op-2.')).toBeInTheDocument();
  });

  it('saves only after a preview of the current text: an edit drops the preview', async () => {
    const diffEnvironment = jest.fn(async () => demoDiff);
    const updateEnvironment = jest.fn(async () =>
      demoOperation('pending', { done: 0, total: 2 }),
    );
    await renderCard({ diffEnvironment, updateEnvironment });
    const save = () => screen.getByRole('button', { name: 'Save ConfigMaps' });
    const editor = screen.getByLabelText('ConfigMaps (YAML)');

    expect(save()).toBeDisabled();
    expect(
      screen.getByText(/Preview the diff of the current text to save it/),
    ).toBeInTheDocument();

    fireEvent.click(
      screen.getByRole('button', { name: 'Preview ConfigMaps diff' }),
    );
    await screen.findByRole('list', { name: 'Changes' });
    await waitFor(() => expect(save()).toBeEnabled());

    fireEvent.change(editor, {
      target: { value: 'demo-shared-config:\n  SHOP_CURRENCY: GBP\n' },
    });
    expect(screen.queryByRole('list', { name: 'Changes' })).toBeNull();
    expect(save()).toBeDisabled();
    fireEvent.click(save());
    expect(updateEnvironment).not.toHaveBeenCalled();
  });

  it("shows the backend's reason when saving fails", async () => {
    await renderCard({
      diffEnvironment: async () => demoDiff,
      updateEnvironment: () =>
        responseError(
          400,
          'InputError',
          'config.configMaps.0.data: keys must consist of letters',
        ),
    });

    fireEvent.click(
      screen.getByRole('button', { name: 'Preview ConfigMaps diff' }),
    );
    await screen.findByRole('list', { name: 'Changes' });
    const save = screen.getByRole('button', { name: 'Save ConfigMaps' });
    await waitFor(() => expect(save).toBeEnabled());
    fireEvent.click(save);

    expect(
      await screen.findByText(
        /config\.configMaps\.0\.data: keys must consist of letters \(400\)/,
      ),
    ).toBeInTheDocument();
    expect(screen.queryByText(/Started operation/)).toBeNull();
  });

  it('writes secret values in a dialog, then clears them', async () => {
    const writeSecretValues = jest.fn(async () => undefined);
    const { result } = await renderCard({ writeSecretValues });

    fireEvent.click(
      screen.getByRole('button', { name: 'Set values of demo-db-credentials' }),
    );
    const dialog = await screen.findByRole('dialog');
    const password = within(dialog).getByLabelText('password');
    expect(password).toHaveAttribute('type', 'password');
    const write = within(dialog).getByRole('button', { name: 'Write values' });
    expect(write).toBeDisabled();

    fireEvent.change(password, { target: { value: 's3cr3t-value' } });
    fireEvent.click(write);

    expect(
      await within(dialog).findByText('Wrote new values for password.'),
    ).toBeInTheDocument();
    // Only the filled key is sent; the empty one keeps its value.
    expect(writeSecretValues).toHaveBeenCalledWith(
      'demo',
      'demo-db-credentials',
      { password: 's3cr3t-value' },
    );
    expect(password).toHaveValue('');
    expect(within(dialog).getByLabelText('username')).toHaveValue('');
    expect(result.baseElement.innerHTML).not.toContain('s3cr3t-value');
  });

  it("keeps the typed values and shows the backend's reason when writing fails", async () => {
    await renderCard({
      writeSecretValues: async () => {
        const error = new Error(
          "could not write the secrets of 'demo' to cluster 'local': connect ECONNREFUSED",
        );
        throw error;
      },
    });

    fireEvent.click(
      screen.getByRole('button', { name: 'Set values of demo-db-credentials' }),
    );
    const dialog = await screen.findByRole('dialog');
    fireEvent.change(within(dialog).getByLabelText('username'), {
      target: { value: 'admin' },
    });
    fireEvent.click(
      within(dialog).getByRole('button', { name: 'Write values' }),
    );

    expect(
      await within(dialog).findByText(/connect ECONNREFUSED/),
    ).toBeInTheDocument();
    expect(within(dialog).queryByText(/Wrote new values/)).toBeNull();
  });
});
