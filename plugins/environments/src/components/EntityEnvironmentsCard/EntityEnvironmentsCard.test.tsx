import { EntityProvider } from '@backstage/plugin-catalog-react';
import { screen, within } from '@testing-library/react';
import { EnvironmentsApi } from '../../api';
import {
  demoApiComponent,
  demoServices,
  demoStatus,
} from '../../testing/stubEnvironmentsApi';
import { renderWithApis } from '../../__testUtils__/renderWithApis';
import { EntityEnvironmentsCard } from './EntityEnvironmentsCard';

jest.setTimeout(30_000);

function renderCard(api: Partial<EnvironmentsApi>) {
  return renderWithApis(
    <EntityProvider entity={demoApiComponent}>
      <EntityEnvironmentsCard />
    </EntityProvider>,
    { api },
  );
}

describe('EntityEnvironmentsCard', () => {
  it('shows progress while loading', async () => {
    await renderCard({ listEnvironments: () => new Promise(() => {}) });

    expect(screen.getByTestId('progress')).toBeInTheDocument();
  });

  it('shows why the environments cannot be loaded', async () => {
    await renderCard({
      listServices: async () => {
        throw new Error('registry unavailable');
      },
    });

    expect(
      (await screen.findAllByText(/registry unavailable/)).length,
    ).toBeGreaterThan(0);
  });

  it('says when the component runs nowhere', async () => {
    await renderCard({ listServices: async () => ({ items: demoServices }) });

    expect(
      await screen.findByText('Not deployed to any environment.'),
    ).toBeInTheDocument();
  });

  it('shows each environment with the version and ready state, linking to it', async () => {
    await renderCard({
      listEnvironments: async () => ({
        items: [
          {
            name: 'demo',
            cluster: 'local',
            namespace: 'demo',
            owner: 'group:default/platform-team',
            componentRefs: ['component:default/demo-api'],
            services: { total: 2, ready: 1 },
            sleepState: 'awake' as const,
          },
        ],
      }),
      listServices: async () => ({ items: demoServices }),
      getStatus: async () => demoStatus,
    });

    const list = await screen.findByRole('list', { name: 'Environments' });
    expect(within(list).getByRole('link', { name: 'demo' })).toHaveAttribute(
      'href',
      '/environments/demo',
    );
    expect(within(list).getByText(/1\.4\.0/)).toBeInTheDocument();
    expect(within(list).getByText('2/2 ready')).toBeInTheDocument();
  });
});
