import {
  Content,
  InfoCard,
  Link,
  Progress,
  ResponseErrorPanel,
  StatusError,
  StatusOK,
  StatusPending,
  StatusRunning,
  StructuredMetadataTable,
  Table,
  TableColumn,
  WarningPanel,
} from '@backstage/core-components';
import { useApi, useRouteRef } from '@backstage/core-plugin-api';
import { EntityRefLink } from '@backstage/plugin-catalog-react';
import {
  FeatureBranchDetails,
  FeatureInstance,
  featureCreatePermission,
  featureDeletePermission,
} from '@envmesh/plugin-environments-common';
import Box from '@material-ui/core/Box';
import Chip from '@material-ui/core/Chip';
import Grid from '@material-ui/core/Grid';
import List from '@material-ui/core/List';
import ListItem from '@material-ui/core/ListItem';
import ListItemText from '@material-ui/core/ListItemText';
import { useState } from 'react';
import { useParams } from 'react-router-dom';
import useAsyncRetry from 'react-use/esm/useAsyncRetry';
import { environmentsApiRef } from '../../api';
import { Operation } from '../../api/types';
import { errorMessage } from '../../lib/errorMessage';
import { timeLeft } from '../../lib/features';
import { rootRouteRef } from '../../routes';
import { OperationProgress } from '../OperationProgress';
import { PermittedButton } from '../PermittedButton';

const InstanceState = ({ instance }: { instance: FeatureInstance }) => {
  switch (instance.state) {
    case 'ready':
      return <StatusOK>ready</StatusOK>;
    case 'failed':
      return <StatusError>failed</StatusError>;
    case 'deploying':
    case 'removing':
      return <StatusRunning>{instance.state}</StatusRunning>;
    default:
      return <StatusPending>{instance.state}</StatusPending>;
  }
};

const instanceColumns: TableColumn<FeatureInstance>[] = [
  { title: 'Service', field: 'service', highlight: true },
  { title: 'Image tag', render: i => i.imageTag ?? '(as the base)' },
  { title: 'State', render: i => <InstanceState instance={i} /> },
  { title: 'Message', render: i => i.message ?? '' },
];

/** Which services answer for the feature (its instance) and which fall back to the base instance. */
const RoutingCard = ({ feature }: { feature: FeatureBranchDetails }) => (
  <InfoCard
    title="Routing"
    subheader="X-FEATURE-NAME: the services that answer"
  >
    <Box display="flex" flexWrap="wrap" style={{ gap: 8 }}>
      {feature.routing.map(r => (
        <Chip
          key={r.service}
          label={`${r.service} → ${
            r.target === 'feature' ? feature.name : 'default'
          }`}
          color={r.target === 'feature' ? 'primary' : 'default'}
          variant={r.target === 'feature' ? 'default' : 'outlined'}
        />
      ))}
    </Box>
  </InfoCard>
);

const FeatureView = ({ name }: { name: string }) => {
  const environmentsApi = useApi(environmentsApiRef);
  const environmentLink = useRouteRef(rootRouteRef);
  const feature = useAsyncRetry(
    () => environmentsApi.getFeature(name),
    [environmentsApi, name],
  );
  const [operation, setOperation] = useState<Operation>();
  const [actionError, setActionError] = useState<string>();

  if (feature.loading && !feature.value) return <Progress />;
  if (feature.error) return <ResponseErrorPanel error={feature.error} />;
  const value = feature.value!;

  const run = async (action: () => Promise<Operation | void>) => {
    setActionError(undefined);
    try {
      const started = await action();
      if (started) setOperation(started);
      feature.retry();
    } catch (error) {
      setActionError(errorMessage(error as Error));
    }
  };

  return (
    <Grid container spacing={3}>
      <Grid item xs={12} md={6}>
        <InfoCard title={value.name}>
          <StructuredMetadataTable
            metadata={{
              environment: (
                <Link to={`${environmentLink()}/${value.environment}`}>
                  {value.environment}
                </Link>
              ),
              owner: (
                <EntityRefLink entityRef={value.owner} defaultKind="user" />
              ),
              ...(value.description ? { description: value.description } : {}),
              ...(value.source?.repository
                ? {
                    source: `${value.source.repository}${
                      value.source.branch ? `@${value.source.branch}` : ''
                    }${
                      value.source.sha
                        ? ` (${value.source.sha.slice(0, 7)})`
                        : ''
                    }`,
                  }
                : {}),
              'TTL left': timeLeft(value.expiresAt),
            }}
          />
          <Box mt={2} display="flex" style={{ gap: 8 }}>
            <PermittedButton
              permission={featureCreatePermission}
              intent="extend feature branches"
              variant="outlined"
              onClick={() =>
                run(async () => {
                  await environmentsApi.extendFeature(name, 24);
                })
              }
            >
              Extend by 24 h
            </PermittedButton>
            <PermittedButton
              permission={featureDeletePermission}
              intent="delete feature branches"
              variant="outlined"
              color="secondary"
              onClick={() => run(() => environmentsApi.deleteFeature(name))}
            >
              Delete
            </PermittedButton>
          </Box>
          {actionError && (
            <Box mt={2}>
              <WarningPanel title="The action failed" message={actionError} />
            </Box>
          )}
          {operation && (
            <Box mt={2}>
              <OperationProgress
                operation={operation}
                onFinished={() => feature.retry()}
              />
            </Box>
          )}
        </InfoCard>
      </Grid>
      <Grid item xs={12} md={6}>
        <InfoCard title="Preview">
          {value.previewUrls.length ? (
            <List dense>
              {value.previewUrls.map(url => (
                <ListItem key={url}>
                  <ListItemText primary={<Link to={url}>{url}</Link>} />
                </ListItem>
              ))}
            </List>
          ) : (
            'The environment has no preview domain.'
          )}
        </InfoCard>
        <Box mt={3}>
          <RoutingCard feature={value} />
        </Box>
      </Grid>
      <Grid item xs={12}>
        <Table<FeatureInstance>
          title="Instances"
          options={{ paging: false, search: false, padding: 'dense' }}
          columns={instanceColumns}
          data={value.instances}
        />
      </Grid>
    </Grid>
  );
};

/** One feature branch: instances per service, preview URLs, the routing picture; extend its TTL or delete it. */
export const FeatureBranchPage = (props: { name?: string }) => {
  const params = useParams();
  const name = props.name ?? params.name ?? '';
  return (
    <Content>
      <FeatureView name={name} />
    </Content>
  );
};
