import {
  StatusError,
  StatusOK,
  StatusPending,
} from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import useAsync from 'react-use/esm/useAsync';
import { environmentsApiRef } from '../../api';

/**
 * Whether the envmesh backend can reach one cluster, with the Kubernetes version it reports.
 */
export const ClusterStatus = (props: { name: string }) => {
  const { name } = props;
  const environmentsApi = useApi(environmentsApiRef);
  const { value, loading, error } = useAsync(
    () => environmentsApi.getClusterStatus(name),
    [environmentsApi, name],
  );

  if (loading) {
    return <StatusPending>Checking</StatusPending>;
  }
  if (error) {
    return <StatusError>Unknown: {error.message}</StatusError>;
  }
  if (!value?.reachable) {
    return (
      <StatusError>
        Unreachable{value?.error ? `: ${value.error}` : ''}
      </StatusError>
    );
  }
  return (
    <StatusOK>Reachable{value.version ? `, ${value.version}` : ''}</StatusOK>
  );
};
