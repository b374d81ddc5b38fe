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
import Grid from '@material-ui/core/Grid';
import { useCallback, useState } from 'react';
import { useParams } from 'react-router-dom';
import useAsync from 'react-use/esm/useAsync';
import useAsyncRetry from 'react-use/esm/useAsyncRetry';
import { environmentsApiRef } from '../../api';
import { Environment, Operation } from '../../api/types';
import { errorMessage } from '../../lib/errorMessage';
import { EnvironmentServicesTable } from '../EnvironmentServicesTable';
import { GlobalValuesCard } from '../GlobalValuesCard';
import { OperationsCard } from '../OperationsCard';

const AboutCard = ({ environment }: { environment: Environment }) => (
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
      }}
    />
  </InfoCard>
);

/**
 * One environment: where it runs, its services with their live status and drift, its global values and its
 * operations. The name comes from the `name` prop or the `:name` route parameter.
 */
export const EnvironmentPage = (props: { name?: string }) => {
  const params = useParams();
  const name = props.name ?? params.name ?? '';
  const environmentsApi = useApi(environmentsApiRef);
  const environment = useAsync(
    () => environmentsApi.getEnvironment(name),
    [environmentsApi, name],
  );
  const status = useAsyncRetry(
    () => environmentsApi.getStatus(name),
    [environmentsApi, name],
  );
  const [started, setStarted] = useState<Operation>();
  const retryStatus = status.retry;
  const handleFinished = useCallback(() => retryStatus(), [retryStatus]);

  if (environment.loading) {
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
          <AboutCard environment={env} />
        </Grid>
        <Grid item xs={12} md={8}>
          {status.error && (
            <WarningPanel
              title={`Could not load the status: ${errorMessage(status.error)}`}
            />
          )}
          {status.loading && !status.value && <Progress />}
          <EnvironmentServicesTable environment={env} status={status.value} />
        </Grid>
        <Grid item xs={12} md={6}>
          <GlobalValuesCard
            name={env.name}
            globalValues={env.globalValues}
            onSaved={setStarted}
          />
        </Grid>
        <Grid item xs={12} md={6}>
          <OperationsCard
            name={env.name}
            started={started}
            onFinished={handleFinished}
          />
        </Grid>
      </Grid>
    </Content>
  );
};
