import {
  Content,
  InfoCard,
  Progress,
  ResponseErrorPanel,
  StructuredMetadataTable,
  WarningPanel,
} from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import { EntityRefLink } from '@backstage/plugin-catalog-react';
import Box from '@material-ui/core/Box';
import Grid from '@material-ui/core/Grid';
import { useCallback, useMemo, useState } from 'react';
import { useNavigate, useParams } from 'react-router-dom';
import useAsync from 'react-use/esm/useAsync';
import useAsyncRetry from 'react-use/esm/useAsyncRetry';
import { environmentsApiRef } from '../../api';
import { Environment, Operation } from '../../api/types';
import { errorMessage } from '../../lib/errorMessage';
import { ConfigCard } from '../ConfigCard';
import { CostCard } from '../CostCard';
import { EnvironmentActions } from '../EnvironmentActions';
import { EnvironmentServicesTable } from '../EnvironmentServicesTable';
import { GlobalValuesCard } from '../GlobalValuesCard';
import { LifecycleCard } from '../LifecycleCard';
import { OperationsCard } from '../OperationsCard';
import { PropagationCard } from '../ReachabilityCard';

const AboutCard = (props: {
  environment: Environment;
  onStarted: (operation: Operation) => void;
}) => {
  const { environment, onStarted } = props;
  return (
    <InfoCard title={environment.name}>
      <StructuredMetadataTable
        metadata={{
          cluster: environment.cluster,
          namespace: environment.namespace,
          owner: (
            <EntityRefLink entityRef={environment.owner} defaultKind="group" />
          ),
          ...(environment.description
            ? { description: environment.description }
            : {}),
          updated: new Date(environment.updatedAt).toLocaleString(),
          sleep: environment.asleepSince
            ? `asleep since ${new Date(
                environment.asleepSince,
              ).toLocaleString()}`
            : 'awake',
        }}
      />
      <Box mt={2}>
        <EnvironmentActions environment={environment} onStarted={onStarted} />
      </Box>
    </InfoCard>
  );
};

const EnvironmentView = ({ name }: { name: string }) => {
  const environmentsApi = useApi(environmentsApiRef);
  const navigate = useNavigate();
  const environment = useAsyncRetry(
    () => environmentsApi.getEnvironment(name),
    [environmentsApi, name],
  );
  const status = useAsyncRetry(
    () => environmentsApi.getStatus(name),
    [environmentsApi, name],
  );
  // Catalog components of the services come from the service registry; the page works without them.
  const services = useAsync(
    () => environmentsApi.listServices(),
    [environmentsApi],
  );
  const componentRefs = useMemo(
    () =>
      Object.fromEntries(
        (services.value?.items ?? []).flatMap(s =>
          s.catalogEntityRef ? [[s.name, s.catalogEntityRef]] : [],
        ),
      ),
    [services.value],
  );
  const [started, setStarted] = useState<Operation>();
  const retryStatus = status.retry;
  const retryEnvironment = environment.retry;
  const handleFinished = useCallback(
    (operation: Operation) => {
      if (operation.type === 'delete' && operation.state === 'succeeded') {
        navigate('..', { relative: 'path' });
        return;
      }
      retryStatus();
      retryEnvironment();
    },
    [retryStatus, retryEnvironment, navigate],
  );

  // A reload after an operation keeps the page; only the first load shows progress.
  if (environment.loading && !environment.value) {
    return (
      <Content>
        <Progress />
      </Content>
    );
  }
  if (environment.error || !environment.value) {
    return (
      <Content>
        <ResponseErrorPanel
          error={environment.error ?? new Error(`No environment ${name}`)}
        />
      </Content>
    );
  }
  const env = environment.value;

  return (
    <Content>
      <Grid container spacing={3}>
        <Grid item xs={12} md={4}>
          <AboutCard environment={env} onStarted={setStarted} />
        </Grid>
        <Grid item xs={12} md={8}>
          <OperationsCard
            name={env.name}
            started={started}
            onFinished={handleFinished}
          />
        </Grid>
        {/* The services get the full width: seven columns, the actions last, fit without cutting any off. */}
        <Grid item xs={12}>
          {status.error && (
            <WarningPanel
              title={`Could not load the status: ${errorMessage(status.error)}`}
            />
          )}
          {status.loading && !status.value && <Progress />}
          <EnvironmentServicesTable
            environment={env}
            status={status.value}
            componentRefs={componentRefs}
            onStarted={setStarted}
            onFinished={handleFinished}
          />
        </Grid>
        <Grid item xs={12} md={6}>
          <GlobalValuesCard
            name={env.name}
            globalValues={env.globalValues}
            onSaved={setStarted}
          />
        </Grid>
        <Grid item xs={12} md={6}>
          <ConfigCard environment={env} onSaved={setStarted} />
        </Grid>
        <Grid item xs={12} md={6}>
          <LifecycleCard environment={env} onStarted={setStarted} />
        </Grid>
        <Grid item xs={12} md={6}>
          <CostCard environment={env.name} />
        </Grid>
        {/* Propagation is walked from the preview service: without one there is nothing to say. */}
        {env.previewService && (
          <Grid item xs={12} md={6}>
            <PropagationCard environment={env.name} />
          </Grid>
        )}
      </Grid>
    </Content>
  );
};

/**
 * One environment: where it runs, its services with their live status, drift and merged values, its global
 * values, config and operations, and the actions on it (copy, delete, a service's version, rollback). The
 * name comes from the `name` prop or the `:name` route parameter.
 */
export const EnvironmentPage = (props: { name?: string }) => {
  const params = useParams();
  const name = props.name ?? params.name ?? '';
  // A new environment (after a copy) starts with fresh state.
  return <EnvironmentView key={name} name={name} />;
};
