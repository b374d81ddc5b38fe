import { InfoCard, Progress, WarningPanel } from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import Typography from '@material-ui/core/Typography';
import useAsync from 'react-use/esm/useAsync';
import { environmentsApiRef } from '../../api';
import { errorMessage } from '../../lib/errorMessage';

const list = (names: string[]) => (names.length ? names.join(', ') : 'none');

/**
 * The environment's header propagation: how many services may not forward the routing header and whose
 * feature instances they hide from a request entering by the preview service.
 */
export const PropagationCard = ({ environment }: { environment: string }) => {
  const environmentsApi = useApi(environmentsApiRef);
  const { value, loading, error } = useAsync(
    () => environmentsApi.getEnvironmentReachability(environment),
    [environmentsApi, environment],
  );
  return (
    <InfoCard title="Header propagation">
      {loading && <Progress />}
      {error && (
        <WarningPanel
          title="Header propagation is not known"
          message={errorMessage(error)}
        />
      )}
      {value && (
        <>
          <Typography variant="body2" gutterBottom>
            {value.propagation.summary}
          </Typography>
          <Typography variant="body2">
            Do not forward: {list(value.propagation.doesNotForward)}
          </Typography>
          <Typography variant="body2">
            Do not say (no envmesh.io/propagates):{' '}
            {list(value.propagation.unknown)}
          </Typography>
          <Typography variant="body2">
            Without a sidecar: {list(value.propagation.withoutSidecar)}
          </Typography>
          <Typography variant="body2">
            Feature instances hidden: {list(value.propagation.hidden)}
          </Typography>
        </>
      )}
    </InfoCard>
  );
};
