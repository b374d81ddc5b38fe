import {
  StatusError,
  StatusOK,
  StatusWarning,
  Table,
  TableColumn,
} from '@backstage/core-components';
import { EntityRefLink } from '@backstage/plugin-catalog-react';
import Tooltip from '@material-ui/core/Tooltip';
import { Environment, EnvironmentStatus, ServiceStatus } from '../../api/types';

/** One row: a service of the environment with its live status, if the backend reported one. */
interface ServiceRow {
  name: string;
  group?: number;
  revision?: number;
  imageTag?: string;
  ready: number;
  desired: number;
  status?: ServiceStatus;
  componentRef?: string;
}

const driftText = (status: ServiceStatus) =>
  status.drift
    .map(d => `${d.ref.kind} ${d.ref.name} ${d.change}: ${d.detail}`)
    .join('\n');

const columns: TableColumn<ServiceRow>[] = [
  {
    title: 'Service',
    field: 'name',
    highlight: true,
    render: row =>
      row.componentRef ? (
        <EntityRefLink
          entityRef={row.componentRef}
          defaultKind="component"
          title={row.name}
        />
      ) : (
        row.name
      ),
  },
  { title: 'Startup group', field: 'group', type: 'numeric' },
  { title: 'Revision', field: 'revision', type: 'numeric' },
  { title: 'Image tag', field: 'imageTag' },
  {
    title: 'Ready',
    customSort: (a, b) =>
      a.ready / (a.desired || 1) - b.ready / (b.desired || 1),
    render: row => {
      if (!row.status) {
        return <StatusWarning>unknown</StatusWarning>;
      }
      const text = `${row.ready}/${row.desired}`;
      return row.status.ready ? (
        <StatusOK>{text}</StatusOK>
      ) : (
        <StatusWarning>{text}</StatusWarning>
      );
    },
  },
  {
    title: 'Drift',
    render: row =>
      row.status && row.status.drift.length > 0 ? (
        <Tooltip
          title={
            <span style={{ whiteSpace: 'pre-line' }}>
              {driftText(row.status)}
            </span>
          }
        >
          <span>
            <StatusError>Drift ({row.status.drift.length})</StatusError>
          </span>
        </Tooltip>
      ) : null,
  },
];

/**
 * The services of an environment: their startup group, revision and image tag, how many replicas are ready and
 * whether their objects drifted from what envmesh applied.
 */
export const EnvironmentServicesTable = (props: {
  environment: Environment;
  status?: EnvironmentStatus;
  /** Catalog component refs by service name, where known. */
  componentRefs?: Record<string, string>;
}) => {
  const { environment, status, componentRefs = {} } = props;
  const statuses = new Map(status?.services.map(s => [s.name, s]));
  const rows: ServiceRow[] = environment.services.map(spec => {
    const live = statuses.get(spec.name);
    return {
      name: spec.name,
      group: live?.group ?? spec.startupGroup,
      revision: live?.revision,
      imageTag: live?.desiredImage ?? spec.imageTag,
      ready: live?.workloads.reduce((sum, w) => sum + w.readyReplicas, 0) ?? 0,
      desired:
        live?.workloads.reduce((sum, w) => sum + w.desiredReplicas, 0) ?? 0,
      status: live,
      componentRef: componentRefs[spec.name],
    };
  });

  return (
    <Table<ServiceRow>
      title={`Services (${rows.length})`}
      options={{
        paging: rows.length > 50,
        pageSize: 50,
        search: rows.length > 10,
      }}
      columns={columns}
      data={rows}
    />
  );
};
