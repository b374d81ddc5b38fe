import {
  Link,
  Progress,
  ResponseErrorPanel,
  Table,
  TableColumn,
} from '@backstage/core-components';
import { useApi, useRouteRef } from '@backstage/core-plugin-api';
import { EntityRefLink } from '@backstage/plugin-catalog-react';
import { FeatureBranchDetails } from '@envmesh/plugin-environments-common';
import useAsync from 'react-use/esm/useAsync';
import { environmentsApiRef } from '../../api';
import { readyInstances, timeLeft } from '../../lib/features';
import { featureBranchesRouteRef, rootRouteRef } from '../../routes';

/**
 * Every feature branch: its base environment, owner, instances ready, time left and preview URL; paged, so
 * hundreds of feature branches stay responsive.
 */
export const FeatureBranchesTable = () => {
  const environmentsApi = useApi(environmentsApiRef);
  const featureLink = useRouteRef(featureBranchesRouteRef);
  const environmentLink = useRouteRef(rootRouteRef);
  const { value, loading, error } = useAsync(
    () => environmentsApi.listFeatures(),
    [environmentsApi],
  );
  if (loading) return <Progress />;
  if (error) return <ResponseErrorPanel error={error} />;

  const columns: TableColumn<FeatureBranchDetails>[] = [
    {
      title: 'Name',
      field: 'name',
      highlight: true,
      render: f => <Link to={`${featureLink()}/${f.name}`}>{f.name}</Link>,
    },
    {
      title: 'Environment',
      field: 'environment',
      render: f => (
        <Link to={`${environmentLink()}/${f.environment}`}>
          {f.environment}
        </Link>
      ),
    },
    {
      title: 'Owner',
      field: 'owner',
      render: f => <EntityRefLink entityRef={f.owner} defaultKind="user" />,
    },
    {
      title: 'Instances ready',
      render: f => readyInstances(f),
      customFilterAndSearch: (term, f) =>
        f.instances.some(i => i.service.includes(term)),
    },
    { title: 'TTL left', render: f => timeLeft(f.expiresAt) },
    {
      title: 'Preview',
      render: f =>
        f.previewUrls.map(url => (
          <Link key={url} to={url}>
            {url}
          </Link>
        )),
    },
  ];
  return (
    <Table<FeatureBranchDetails>
      title="Feature branches"
      options={{
        paging: true,
        pageSize: 20,
        // As the environment's services table: the table's default sizes (5, 10, 20) stop at the default.
        pageSizeOptions: [20, 50, 100],
        search: true,
        padding: 'dense',
      }}
      columns={columns}
      data={value?.items ?? []}
      emptyContent={
        <div style={{ padding: 16 }}>
          No feature branches yet. Deploy one with the "Feature branch" template
          or a push whose commit message says deploy_feature.
        </div>
      }
    />
  );
};
