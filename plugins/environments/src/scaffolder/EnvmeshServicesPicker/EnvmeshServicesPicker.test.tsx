import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { useState } from 'react';
import { renderWithApis } from '../../__testUtils__/renderWithApis';
import { EnvironmentsApi } from '../../api';
import {
  demoEnvironment,
  demoServices,
} from '../../testing/stubEnvironmentsApi';
import { EnvmeshServicesPicker } from './EnvmeshServicesPicker';

/** The picker as the scaffolder form holds it: its value in state, the rest of the form in formContext. */
function renderPicker(options: {
  api: Partial<EnvironmentsApi>;
  initial?: string[];
  formData?: Record<string, unknown>;
  uiOptions?: { environmentField?: string };
}) {
  const values: string[][] = [];
  const Form = () => {
    const [value, setValue] = useState(options.initial);
    return (
      <EnvmeshServicesPicker
        {...({} as any)}
        schema={{ title: 'Services', description: 'What to deploy' }}
        uiSchema={{ 'ui:options': options.uiOptions ?? {} }}
        formData={value}
        formContext={{ formData: options.formData ?? {} }}
        idSchema={{ $id: 'root_services' }}
        rawErrors={[]}
        onChange={(next: string[]) => {
          values.push(next);
          setValue(next);
        }}
      />
    );
  };
  return { values, rendered: renderWithApis(<Form />, { api: options.api }) };
}

describe('EnvmeshServicesPicker', () => {
  it("lists the registry's services and picks them as a list of names", async () => {
    const { values, rendered } = renderPicker({
      api: { listServices: async () => ({ items: demoServices }) },
    });
    await rendered;

    const api = await screen.findByRole('checkbox', { name: 'demo-api' });
    expect(
      screen.getByRole('checkbox', { name: 'demo-web' }),
    ).not.toBeChecked();
    await userEvent.click(api);
    await userEvent.click(screen.getByRole('checkbox', { name: 'demo-web' }));
    await userEvent.click(api);

    expect(values).toEqual([
      ['demo-api'],
      ['demo-api', 'demo-web'],
      ['demo-web'],
    ]);
    expect(screen.getByRole('checkbox', { name: 'demo-web' })).toBeChecked();
  });

  it("lists the services of the form's environment (an entity ref) and drops picks it does not run", async () => {
    const getEnvironment = jest.fn(async () => ({
      ...demoEnvironment,
      services: [{ name: 'demo-web' }, { name: 'demo-api' }],
    }));
    const listServices = jest.fn(async () => ({ items: demoServices }));
    const { values, rendered } = renderPicker({
      api: { getEnvironment, listServices },
      initial: ['demo-api', 'demo-orders'],
      formData: { environment: 'resource:default/demo' },
      uiOptions: { environmentField: 'environment' },
    });
    await rendered;

    expect(
      await screen.findByRole('checkbox', { name: 'demo-api' }),
    ).toBeChecked();
    expect(getEnvironment).toHaveBeenCalledWith('demo');
    expect(listServices).not.toHaveBeenCalled();
    expect(
      screen.getAllByRole('checkbox').map(c => c.getAttribute('id')),
    ).toEqual(['root_services-demo-api', 'root_services-demo-web']);
    expect(
      screen.getByText('What to deploy (services of environment demo)'),
    ).toBeInTheDocument();
    await waitFor(() => expect(values).toEqual([['demo-api']]));
  });

  it('lists the registry while the form has no environment yet', async () => {
    const { rendered } = renderPicker({
      api: { listServices: async () => ({ items: demoServices }) },
      formData: { environment: '' },
      uiOptions: { environmentField: 'environment' },
    });
    await rendered;

    expect(
      await screen.findByRole('checkbox', { name: 'demo-web' }),
    ).toBeInTheDocument();
  });

  it('says so when the registry is empty', async () => {
    const { rendered } = renderPicker({ api: {} });
    await rendered;

    expect(
      await screen.findByText(/The service registry has no services/),
    ).toBeInTheDocument();
    expect(screen.queryByRole('checkbox')).not.toBeInTheDocument();
  });

  it("shows why the environment's services could not be loaded", async () => {
    const { rendered } = renderPicker({
      api: {
        getEnvironment: async () => {
          throw new Error('environment demo not found');
        },
      },
      formData: { environment: 'demo' },
      uiOptions: { environmentField: 'environment' },
    });
    await rendered;

    expect(
      await screen.findByText(
        /Could not load the services of environment demo: environment demo not found/,
      ),
    ).toBeInTheDocument();
  });
});
