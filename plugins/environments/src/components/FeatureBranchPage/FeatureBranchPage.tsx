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
  FeatureInstance,
  featureCreatePermission,
  featureDeletePermission,
} from '@envmesh/plugin-environments-common';
import Box from '@material-ui/core/Box';
import Button from '@material-ui/core/Button';
import Grid from '@material-ui/core/Grid';
import List from '@material-ui/core/List';
import ListItem from '@material-ui/core/ListItem';
import ListItemText from '@material-ui/core/ListItemText';
import { useState } from 'react';
import { useNavigate, useParams } from 'react-router-dom';
import useAsyncRetry from 'react-use/esm/useAsyncRetry';
import { environmentsApiRef } from '../../api';
import { Operation } from '../../api/types';
import { errorMessage } from '../../lib/errorMessage';
import { timeLeft } from '../../lib/features';
import { isFinished } from '../../lib/operations';
import { featureBranchesRouteRef, rootRouteRef } from '../../routes';
import { BehindBaseNotice } from '../BehindBaseNotice';
import { DeleteFeatureDialog } from '../DeleteFeatureDialog';
import { FeatureRoutingCard } from '../FeatureRoutingCard';
import { MergedValuesDialog } from '../MergedValuesDialog';
import { OperationProgress } from '../OperationProgress';
import { PermittedButton } from '../PermittedButton';
import { FeatureCost } from '../CostCard';
import { ReachabilityCard } from '../ReachabilityCard';
import { TraceRequestCard } from '../TraceRequestCard';

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

const FeatureView = ({ name }: { name: string }) => {
  const environmentsApi = useApi(environmentsApiRef);
  const environmentLink = useRouteRef(rootRouteRef);
  const featuresLink = useRouteRef(featureBranchesRouteRef);
  const navigate = useNavigate();
  const [deleting, setDeleting] = useState(false);
  const feature = useAsyncRetry(
    () => environmentsApi.getFeature(name),
    [environmentsApi, name],
  );
  const [operation, setOperation] = useState<Operation>();
  const [valuesOf, setValuesOf] = useState<string>();
  const [actionError, setActionError] = useState<string>();

  if (feature.loading && !feature.value) return <Progress />;
  if (feature.error) return <ResponseErrorPanel error={feature.error} />;
  const value = feature.value!;

  const extend = async () => {
    setActionError(undefined);
    try {
      await environmentsApi.extendFeature(name, 24);
      feature.retry();
    } catch (error) {
      setActionError(errorMessage(error as Error));
    }
  };
  // Once the feature branch is gone its page would only say "not found": back to the list instead.
  const handleFinished = (finished: Operation) => {
    if (finished.type === 'remove-feature' && finished.state === 'succeeded') {
      navigate(featuresLink());
    } else {
      setOperation(finished);
      feature.retry();
    }
  };

  return (
    <Grid container spacing={3}>
      {value.behindBase.length > 0 && (
        <Grid item xs={12}>
          <BehindBaseNotice
            feature={value}
            onStarted={setOperation}
            disabled={operation && !isFinished(operation)}
          />
        </Grid>
      )}
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
          <Box mt={1}>
            <FeatureCost feature={value.name} />
          </Box>
          <Box mt={2} display="flex" style={{ gap: 8 }}>
            <PermittedButton
              permission={featureCreatePermission}
              resourceRef={value.name}
              intent="extend feature branches"
              variant="outlined"
              onClick={extend}
            >
              Extend by 24 h
            </PermittedButton>
            <PermittedButton
              permission={featureDeletePermission}
              resourceRef={value.name}
              intent="delete feature branches"
              variant="outlined"
              color="secondary"
              onClick={() => setDeleting(true)}
            >
              Delete
            </PermittedButton>
            {deleting && (
              <DeleteFeatureDialog
                name={value.name}
                environment={value.environment}
                onClose={started => {
                  setDeleting(false);
                  // Closed while the delete runs: the page follows it on.
                  if (started && !isFinished(started)) setOperation(started);
                }}
                onFinished={handleFinished}
              />
            )}
          </Box>
          {actionError && (
            <Box mt={2}>
              <WarningPanel title="The action failed" message={actionError} />
            </Box>
          )}
          {operation && (
            <Box mt={2}>
              <OperationProgress
                key={operation.id}
                operation={operation}
                onFinished={handleFinished}
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
          <FeatureRoutingCard feature={value} />
        </Box>
      </Grid>
      <Grid item xs={12} lg={6}>
        <ReachabilityCard feature={value.name} />
      </Grid>
      <Grid item xs={12} lg={6}>
        <TraceRequestCard feature={value} />
      </Grid>
      <Grid item xs={12}>
        <Table<FeatureInstance>
          title="Instances"
          // Paged and searchable once there are many, so a feature of a 300-service environment stays usable.
          options={{
            paging: value.instances.length > 20,
            pageSize: 20,
            pageSizeOptions: [20, 50, 100],
            search: value.instances.length > 10,
            padding: 'dense',
          }}
          columns={[
            ...instanceColumns,
            {
              title: 'Values',
              render: i => (
                <Button size="small" onClick={() => setValuesOf(i.service)}>
                  Values
                </Button>
              ),
            },
          ]}
          data={value.instances}
          emptyContent={<Box p={2}>No instances.</Box>}
        />
        {valuesOf && (
          <MergedValuesDialog
            name={value.environment}
            service={valuesOf}
            feature={value.name}
            onClose={() => setValuesOf(undefined)}
          />
        )}
      </Grid>
    </Grid>
  );
};

/**
 * One feature branch: instances per service, preview URLs, the routing picture, the services whose base moved
 * since the deploy; extend its TTL, redeploy it onto the current base or delete it.
 */
export const FeatureBranchPage = (props: { name?: string }) => {
  const params = useParams();
  const name = props.name ?? params.name ?? '';
  return (
    <Content>
      <FeatureView name={name} />
    </Content>
  );
};
