import {
  InfoCard,
  Progress,
  Table,
  TableColumn,
  WarningPanel,
} from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import { FeatureBranchDetails } from '@envmesh/plugin-environments-common';
import Box from '@material-ui/core/Box';
import Button from '@material-ui/core/Button';
import Typography from '@material-ui/core/Typography';
import { useState } from 'react';
import { environmentsApiRef } from '../../api';
import { RouteHop } from '../../api/types';
import { useBusyAction } from '../../hooks/useBusyAction';

/** Pod names shown per hop before the rest are counted. */
const PODS_SHOWN = 3;

const columns: TableColumn<RouteHop>[] = [
  { title: 'Service', render: hop => hop.service ?? hop.host },
  {
    title: 'Rule',
    render: hop => {
      const route = hop.virtualService ?? hop.httpRoute;
      return route
        ? `${route} #${hop.rule?.index ?? '-'}${
            hop.rule?.name ? ` (${hop.rule.name})` : ''
          }`
        : '(no route)';
    },
  },
  {
    title: 'Destination',
    render: hop =>
      hop.destination
        ? `${hop.destination.host}${
            hop.destination.subset ? ` / ${hop.destination.subset}` : ''
          }`
        : '-',
  },
  {
    title: 'Pods',
    render: hop =>
      hop.pods.length > PODS_SHOWN
        ? `${hop.pods.slice(0, PODS_SHOWN).join(', ')} and ${
            hop.pods.length - PODS_SHOWN
          } more`
        : hop.pods.join(', ') || 'none',
  },
  { title: 'Why', field: 'reason' },
];

interface Traces {
  withHeader: RouteHop[];
  withoutHeader: RouteHop[];
  withoutSidecar: string[];
}

/**
 * "Trace a request": where a request goes through the feature's services, with the routing header and
 * without it, read from the live routing objects. Answers "why did my request hit the base?" hop by hop.
 */
export const TraceRequestCard = ({
  feature,
}: {
  feature: FeatureBranchDetails;
}) => {
  const environmentsApi = useApi(environmentsApiRef);
  const [traces, setTraces] = useState<Traces>();
  const { busy: loading, error, run } = useBusyAction();
  const chain = feature.instances.map(i => i.service);
  const header = `${feature.routingHeader}: ${feature.name}`;

  const trace = () =>
    run(async () => {
      const [withHeader, withoutHeader] = await Promise.all([
        environmentsApi.traceRoute(feature.environment, {
          chain,
          headers: { [feature.routingHeader]: feature.name },
        }),
        environmentsApi.traceRoute(feature.environment, { chain }),
      ]);
      setTraces({
        withHeader: withHeader.hops,
        withoutHeader: withoutHeader.hops,
        withoutSidecar: withHeader.withoutSidecar,
      });
    });

  return (
    <InfoCard
      title="Trace a request"
      subheader={`Through ${chain.join(' → ')}, with ${header} and without it`}
    >
      <Button
        variant="outlined"
        onClick={trace}
        disabled={loading || !chain.length}
      >
        Trace
      </Button>
      {loading && <Progress />}
      {error && (
        <Box mt={2}>
          <WarningPanel title="The trace failed" message={error} />
        </Box>
      )}
      {traces && (
        <>
          {traces.withoutSidecar.length > 0 && (
            <Box mt={2}>
              <WarningPanel
                title={`${traces.withoutSidecar.length} without a sidecar`}
                message={`Their requests bypass the routing (in subset mode they can reach feature pods): ${traces.withoutSidecar.join(
                  ', ',
                )}`}
              />
            </Box>
          )}
          <Box mt={2}>
            <Typography variant="subtitle2">With {header}</Typography>
            <Table<RouteHop>
              options={{ paging: false, search: false, padding: 'dense' }}
              columns={columns}
              data={traces.withHeader}
            />
          </Box>
          <Box mt={2}>
            <Typography variant="subtitle2">
              Without the header (plain requests)
            </Typography>
            <Table<RouteHop>
              options={{ paging: false, search: false, padding: 'dense' }}
              columns={columns}
              data={traces.withoutHeader}
            />
          </Box>
        </>
      )}
    </InfoCard>
  );
};
