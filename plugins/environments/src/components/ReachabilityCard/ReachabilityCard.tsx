import {
  InfoCard,
  Progress,
  Table,
  TableColumn,
  WarningPanel,
} from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import Box from '@material-ui/core/Box';
import Button from '@material-ui/core/Button';
import TextField from '@material-ui/core/TextField';
import Typography from '@material-ui/core/Typography';
import { useState } from 'react';
import useAsync from 'react-use/esm/useAsync';
import { environmentsApiRef } from '../../api';
import { InstanceReachability } from '../../api/types';
import { errorMessage } from '../../lib/errorMessage';

const columns: TableColumn<InstanceReachability>[] = [
  { title: 'Instance', field: 'service' },
  {
    title: 'Reached',
    render: i => (i.path ? 'yes' : 'no'),
  },
  {
    title: 'Path, or where the header is lost',
    render: i =>
      i.path ? i.path.join(' → ') : i.message.replace(/^not reached: /, ''),
  },
];

/**
 * "Will my request reach the feature?": which of the feature's instances a request with the routing header
 * reaches from an entry service (the preview service unless the user names another), and for the others the
 * service that drops the header and why, from the catalog's call graph and the pods' sidecars.
 */
export const ReachabilityCard = ({ feature }: { feature: string }) => {
  const environmentsApi = useApi(environmentsApiRef);
  const [entry, setEntry] = useState('');
  const [asked, setAsked] = useState<string>();
  const { value, loading, error } = useAsync(
    () => environmentsApi.getFeatureReachability(feature, asked),
    [environmentsApi, feature, asked],
  );
  const unreached = value?.instances.filter(i => !i.path).length ?? 0;

  return (
    <InfoCard
      title="Will a request reach the feature?"
      subheader="Header propagation along the catalog's call graph, from an entry service"
    >
      <Box display="flex" alignItems="center" style={{ gap: 8 }}>
        <TextField
          id="envmesh-reachability-entry"
          label="Entry service"
          placeholder={value?.entry ?? 'the preview service'}
          size="small"
          variant="outlined"
          value={entry}
          onChange={e => setEntry(e.target.value)}
        />
        <Button
          variant="outlined"
          disabled={loading}
          onClick={() => setAsked(entry.trim() || undefined)}
        >
          Check
        </Button>
      </Box>
      {loading && <Progress />}
      {error && (
        <Box mt={2}>
          <WarningPanel
            title="The pre-flight could not run"
            message={errorMessage(error)}
          />
        </Box>
      )}
      {value && !loading && (
        <Box mt={2}>
          <Typography variant="body2" gutterBottom>
            {value.summary}
          </Typography>
          {unreached > 0 && (
            <WarningPanel
              severity="warning"
              title={`${unreached} instance(s) not reached from ${value.entry}`}
              message="A service on the way does not forward the routing header (or does not say, or runs no sidecar): requests reach the base there. Annotate its component with envmesh.io/propagates, or make it forward the header."
            />
          )}
          <Table<InstanceReachability>
            options={{
              paging: false,
              search: false,
              toolbar: false,
              padding: 'dense',
            }}
            columns={columns}
            data={value.instances}
          />
        </Box>
      )}
    </InfoCard>
  );
};
