import {
  Content,
  EmptyState,
  Link,
  StatusError,
  StatusOK,
  StatusWarning,
  Table,
  TableColumn,
} from '@backstage/core-components';
import { useApi, useRouteRef } from '@backstage/core-plugin-api';
import { useEntity } from '@backstage/plugin-catalog-react';
import { FeatureBranchDetails } from '@envmesh/plugin-environments-common';
import Tooltip from '@material-ui/core/Tooltip';
import { ReactNode, useCallback, useMemo } from 'react';
import useAsync from 'react-use/esm/useAsync';
import { environmentsApiRef } from '../../api';
import {
  EntityEnvironment,
  findEntityEnvironments,
} from '../../lib/entityEnvironments';
import { errorMessage } from '../../lib/errorMessage';
import { ServiceCostCell } from '../CostCard';
import { EnvironmentNameCell } from '../EnvironmentsTable';
import { LoadedItems } from '../LoadedItems';
import { featureBranchesRouteRef, rootRouteRef } from '../../routes';

/** The ready replicas of a service, or why they are unknown. */
export const ServiceReadiness = ({ row }: { row: EntityEnvironment }) => {
  if (!row.status) {
    return (
      <Tooltip title={row.statusError ? errorMessage(row.statusError) : ''}>
        <span>
          <StatusWarning>unknown</StatusWarning>
        </span>
      </Tooltip>
    );
  }
  const ready = row.status.workloads.reduce((n, w) => n + w.readyReplicas, 0);
  const desired = row.status.workloads.reduce(
    (n, w) => n + w.desiredReplicas,
    0,
  );
  const text = `${ready}/${desired} ready`;
  return row.status.ready ? (
    <StatusOK>{text}</StatusOK>
  ) : (
    <StatusWarning>{text}</StatusWarning>
  );
};

/** Loads where the current entity runs. */
export function useEntityEnvironments() {
  const { entity } = useEntity();
  const environmentsApi = useApi(environmentsApiRef);
  return useAsync(
    () => findEntityEnvironments(environmentsApi, entity),
    [environmentsApi, entity],
  );
}

/** The path of an environment's page, by its name. */
export function useEnvironmentPath() {
  const environmentsRoot = useRouteRef(rootRouteRef);
  return useCallback(
    (name: string) => `${environmentsRoot()}/${encodeURIComponent(name)}`,
    [environmentsRoot],
  );
}

/** The path of a route, or a fallback when the app did not mount it (a legacy app without the page). */
function useOptionalRouteRef(routeRef: typeof featureBranchesRouteRef) {
  try {
    return useRouteRef(routeRef)();
  } catch {
    return '/feature-branches';
  }
}

/** The feature branches with an instance of the row's service: links to their pages and previews. */
const FeatureInstanceLinks = (props: {
  features: FeatureBranchDetails[];
  featureBranchesRoot: string;
}) => (
  <>
    {props.features.map(f => (
      <div key={f.name}>
        <Link to={`${props.featureBranchesRoot}/${encodeURIComponent(f.name)}`}>
          {f.name}
        </Link>
        {f.previewUrls.map(url => (
          <span key={url}>
            {' · '}
            <Link to={url}>preview</Link>
          </span>
        ))}
      </div>
    ))}
  </>
);

/** Props of {@link EntityEnvironmentsContent}. @public */
export interface EntityEnvironmentsContentProps {
  /**
   * Renders the feature instances of the component's service in one environment, in the "Feature
   * instances" column; by default links to the feature branches with an instance of it and their previews.
   */
  renderFeatureInstances?: (row: EntityEnvironment) => ReactNode;
}

/**
 * The "Environments" tab of a component: every environment its service runs in, with the version, whether it
 * is ready, drift, and a link to the environment's page.
 */
export const EntityEnvironmentsContent = (
  props: EntityEnvironmentsContentProps,
) => {
  const entityEnvironments = useEntityEnvironments();
  const environmentPath = useEnvironmentPath();
  const featureBranchesRoot = useOptionalRouteRef(featureBranchesRouteRef);
  const environmentsApi = useApi(environmentsApiRef);
  // Feature branches are an extra: the tab works without them.
  const featureList = useAsync(
    () => environmentsApi.listFeatures(),
    [environmentsApi],
  );
  const features = featureList.value?.items;
  const renderFeatureInstances = useCallback(
    (row: EntityEnvironment) => (
      <FeatureInstanceLinks
        features={(features ?? []).filter(
          f =>
            f.environment === row.environment.name &&
            f.instances.some(i => i.service === row.service),
        )}
        featureBranchesRoot={featureBranchesRoot}
      />
    ),
    [features, featureBranchesRoot],
  );

  const columns = useMemo(() => {
    const result: TableColumn<EntityEnvironment>[] = [
      {
        title: 'Environment',
        field: 'environment.name',
        highlight: true,
        render: row => (
          <EnvironmentNameCell
            environment={row.environment}
            to={environmentPath(row.environment.name)}
          />
        ),
      },
      { title: 'Cluster', field: 'environment.cluster' },
      { title: 'Namespace', field: 'environment.namespace' },
      { title: 'Service', field: 'service' },
      {
        title: 'Version',
        field: 'version',
        render: row => row.version ?? '—',
      },
      {
        title: 'Ready',
        sorting: false,
        render: row => <ServiceReadiness row={row} />,
      },
      {
        title: 'Drift',
        sorting: false,
        render: row =>
          row.status && row.status.drift.length > 0 ? (
            <StatusError>Drift ({row.status.drift.length})</StatusError>
          ) : null,
      },
      {
        title: 'Cost (7 days)',
        sorting: false,
        render: row => (
          <ServiceCostCell
            environment={row.environment.name}
            service={row.service}
          />
        ),
      },
      {
        title: 'Feature instances',
        sorting: false,
        render: row =>
          (props.renderFeatureInstances ?? renderFeatureInstances)(row),
      },
    ];
    return result;
  }, [environmentPath, props.renderFeatureInstances, renderFeatureInstances]);

  return (
    <Content noPadding>
      <LoadedItems
        state={entityEnvironments}
        empty={
          <EmptyState
            missing="data"
            title="Not deployed to any environment"
            description="This component runs in an envmesh environment once its service (the service registry entry linked to it, or named like its backstage.io/kubernetes-id annotation) is added to one."
          />
        }
      >
        {rows => (
          <Table<EntityEnvironment>
            title={`Environments (${rows.length})`}
            options={{
              paging: rows.length > 20,
              pageSize: 20,
              search: rows.length > 10,
            }}
            columns={columns}
            data={rows}
          />
        )}
      </LoadedItems>
    </Content>
  );
};
