import { ApiHolder } from '@backstage/core-plugin-api';
import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { useState } from 'react';
import { renderWithApis } from '../../__testUtils__/renderWithApis';
import { EnvironmentsApi, environmentsApiRef } from '../../api';
import { stubEnvironmentsApi } from '../../testing/stubEnvironmentsApi';
import { validateCluster } from '../validation';
import { EnvmeshClusterPicker } from './EnvmeshClusterPicker';

const clusters = [
  { name: 'local', url: 'https://127.0.0.1:6443' },
  { name: 'prod', title: 'Production', url: 'https://prod.example:6443' },
];

function renderPicker(api: Partial<EnvironmentsApi>, initial?: string) {
  const values: string[] = [];
  const Form = () => {
    const [value, setValue] = useState(initial);
    return (
      <EnvmeshClusterPicker
        {...({} as any)}
        schema={{ title: 'Cluster', description: 'Where it runs' }}
        uiSchema={{}}
        formData={value}
        idSchema={{ $id: 'root_cluster' }}
        rawErrors={[]}
        onChange={(next: string) => {
          values.push(next);
          setValue(next);
        }}
      />
    );
  };
  return { values, rendered: renderWithApis(<Form />, { api }) };
}

describe('EnvmeshClusterPicker', () => {
  it('offers the configured clusters and picks one by name', async () => {
    const { values, rendered } = renderPicker(
      { listClusters: async () => ({ items: clusters }) },
      'local',
    );
    await rendered;

    const select = await screen.findByLabelText('Cluster');
    await screen.findByRole('option', { name: 'Production (prod)' });
    expect(select).toHaveValue('local');
    expect(screen.getByText('Where it runs')).toBeInTheDocument();
    await userEvent.selectOptions(select, 'prod');

    expect(values).toEqual(['prod']);
    expect(select).toHaveValue('prod');
  });

  it('picks the only cluster when there is no value yet', async () => {
    const { values, rendered } = renderPicker({
      listClusters: async () => ({ items: [clusters[0]] }),
    });
    await rendered;

    await waitFor(() => expect(values).toEqual(['local']));
    expect(screen.getByLabelText('Cluster')).toHaveValue('local');
  });

  it('marks a value that is not a configured cluster', async () => {
    const { rendered } = renderPicker(
      { listClusters: async () => ({ items: clusters }) },
      'staging',
    );
    await rendered;

    expect(
      await screen.findByText('There is no cluster named staging.'),
    ).toBeInTheDocument();
  });

  it('says how clusters are configured when there are none', async () => {
    const { rendered } = renderPicker({});
    await rendered;

    expect(
      await screen.findByText(/No clusters configured/),
    ).toBeInTheDocument();
  });
});

describe('validateCluster', () => {
  const apiHolder = (api: EnvironmentsApi): ApiHolder => ({
    get: ref => (ref.id === environmentsApiRef.id ? api : undefined) as any,
  });
  const run = async (value: string) => {
    const errors: string[] = [];
    await validateCluster(
      value,
      { addError: (message: string) => errors.push(message) } as any,
      {
        apiHolder: apiHolder(
          stubEnvironmentsApi({
            listClusters: async () => ({ items: clusters }),
          }),
        ),
        formData: {},
        schema: {},
      },
    );
    return errors;
  };

  it('accepts a configured cluster and names the choices for another', async () => {
    expect(await run('prod')).toEqual([]);
    expect(await run('staging')).toEqual([
      "there is no cluster named 'staging'; pick one of local, prod",
    ]);
  });
});
