import { InfoCard } from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import useAsync from 'react-use/esm/useAsync';
import { environmentsApiRef } from '../../api';
import { ClusterStatus } from '../ClusterStatus';
import { LoadedList } from '../LoadedItems';

/**
 * The clusters envmesh can deploy to, each with whether the backend can reach it.
 */
export const ClustersCard = () => {
  const environmentsApi = useApi(environmentsApiRef);
  const clusters = useAsync(
    async () => (await environmentsApi.listClusters()).items,
    [environmentsApi],
  );

  return (
    <InfoCard title="Clusters">
      <LoadedList
        state={clusters}
        empty={
          <>
            No clusters configured. envmesh uses the clusters listed under{' '}
            <code>kubernetes.clusterLocatorMethods</code> in the app config.
          </>
        }
        itemKey={cluster => cluster.name}
        primary={cluster => cluster.title ?? cluster.name}
        secondary={cluster => (
          <>
            <ClusterStatus name={cluster.name} />
            <br />
            {cluster.url}
          </>
        )}
      />
    </InfoCard>
  );
};
