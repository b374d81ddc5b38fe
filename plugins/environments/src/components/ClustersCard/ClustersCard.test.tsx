import { renderInTestApp, TestApiProvider } from '@backstage/test-utils';
import { screen } from '@testing-library/react';
import { EnvironmentsApi, environmentsApiRef } from '../../api';
import { stubEnvironmentsApi } from '../../testing/stubEnvironmentsApi';
import { ClustersCard } from './ClustersCard';

function renderCard(api: Partial<EnvironmentsApi>) {
  const environmentsApi = stubEnvironmentsApi(api);
  return renderInTestApp(
    <TestApiProvider apis={[[environmentsApiRef, environmentsApi]]}>
      <ClustersCard />
    </TestApiProvider>,
  );
}

describe('ClustersCard', () => {
  it('says how clusters are configured when there are none', async () => {
    await renderCard({});

    expect(
      await screen.findByText(/No clusters configured/),
    ).toBeInTheDocument();
  });

  it('shows the error when the clusters cannot be loaded', async () => {
    await renderCard({
      listClusters: async () => {
        throw new Error('backend down');
      },
    });

    expect(await screen.findAllByText(/backend down/)).not.toHaveLength(0);
  });

  it('shows the reachability of each cluster', async () => {
    const getClusterStatus = jest.fn(async (name: string) => {
      if (name === 'prod') {
        return { reachable: true, version: 'v1.31.0' };
      }
      if (name === 'staging') {
        return { reachable: false, error: 'connect ECONNREFUSED' };
      }
      throw new Error('No cluster named gone');
    });
    await renderCard({
      listClusters: async () => ({
        items: [
          { name: 'prod', title: 'Production', url: 'https://prod.k8s' },
          { name: 'staging', url: 'https://staging.k8s' },
          { name: 'gone', url: 'https://gone.k8s' },
        ],
      }),
      getClusterStatus,
    });

    expect(await screen.findByText('Production')).toBeInTheDocument();
    expect(screen.getByText('https://prod.k8s')).toBeInTheDocument();
    expect(await screen.findByText('Reachable, v1.31.0')).toBeInTheDocument();
    expect(
      await screen.findByText('Unreachable: connect ECONNREFUSED'),
    ).toBeInTheDocument();
    expect(
      await screen.findByText('Unknown: No cluster named gone'),
    ).toBeInTheDocument();
    expect(getClusterStatus.mock.calls.map(([name]) => name).sort()).toEqual([
      'gone',
      'prod',
      'staging',
    ]);
  });
});
