import {
  EmptyState,
  Link,
  Progress,
  ResponseErrorPanel,
  StatusOK,
  StatusWarning,
  SubvalueCell,
  Table,
  TableColumn,
} from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import { EntityRefLink } from '@backstage/plugin-catalog-react';
import { EnvironmentSummary } from '@envmesh/plugin-environments-common';
import useAsync from 'react-use/esm/useAsync';
import { environmentsApiRef } from '../../api';

const readyShare = ({ services }: EnvironmentSummary) =>
  services.total === 0 ? 1 : services.ready / services.total;

const columns: TableColumn<EnvironmentSummary>[] = [
  {
    title: 'Name',
    field: 'name',
    highlight: true,
    render: environment => {
      // Relative to the list page, so it works wherever the plugin is mounted, in both frontend systems.
      const link = (
        <Link to={encodeURIComponent(environment.name)}>
          {environment.name}
        </Link>
      );
      return environment.description ? (
        <SubvalueCell value={link} subvalue={environment.description} />
      ) : (
        link
      );
    },
  },
  { title: 'Cluster', field: 'cluster' },
  { title: 'Namespace', field: 'namespace' },
  {
    title: 'Owner',
    field: 'owner',
    render: environment => (
      <EntityRefLink entityRef={environment.owner} defaultKind="group" />
    ),
  },
  {
    title: 'Services ready',
    customSort: (a, b) => readyShare(a) - readyShare(b),
    render: ({ services }) => {
      const text = `${services.ready}/${services.total}`;
      return services.ready === services.total ? (
        <StatusOK>{text}</StatusOK>
      ) : (
        <StatusWarning>{text}</StatusWarning>
      );
    },
  },
];

/**
 * Every environment envmesh manages: where it runs, who owns it and how many of its services are ready.
 */
export const EnvironmentsTable = () => {
  const environmentsApi = useApi(environmentsApiRef);
  const { value, loading, error } = useAsync(
    () => environmentsApi.listEnvironments(),
    [environmentsApi],
  );

  if (loading) {
    return <Progress />;
  }
  if (error) {
    return <ResponseErrorPanel error={error} />;
  }
  const environments = value?.items ?? [];
  if (environments.length === 0) {
    return (
      <EmptyState
        missing="data"
        title="No environments yet"
        description="Environments show up here once they are created, for example from a software template or from an environment definition file."
      />
    );
  }

  return (
    <Table<EnvironmentSummary>
      title={`Environments (${environments.length})`}
      options={{ paging: environments.length > 20, pageSize: 20 }}
      columns={columns}
      data={environments}
    />
  );
};
