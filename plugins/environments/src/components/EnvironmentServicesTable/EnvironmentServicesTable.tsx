import {
  StatusError,
  StatusOK,
  StatusWarning,
  SubvalueCell,
  Table,
  TableColumn,
} from '@backstage/core-components';
import { EntityRefLink } from '@backstage/plugin-catalog-react';
import { environmentUpdatePermission } from '@envmesh/plugin-environments-common';
import Box from '@material-ui/core/Box';
import Button from '@material-ui/core/Button';
import Tooltip from '@material-ui/core/Tooltip';
import { useMemo, useState } from 'react';
import {
  Environment,
  EnvironmentStatus,
  Operation,
  ServiceStatus,
} from '../../api/types';
import { MergedValuesDialog } from '../MergedValuesDialog';
import { PermittedButton } from '../PermittedButton';
import { RollbackDialog } from '../RollbackDialog';
import { ServiceVersionDialog } from '../ServiceVersionDialog';

/** One row: a service of the environment with its live status, if the backend reported one. */
interface ServiceRow {
  name: string;
  group?: number;
  revision?: number;
  /** The image the latest revision deployed, or the tag the environment pins. */
  version?: string;
  /** Images the workloads run, when they are not the version. */
  running: string[];
  ready: number;
  desired: number;
  status?: ServiceStatus;
  componentRef?: string;
}

type DialogState = {
  kind: 'values' | 'version' | 'rollback';
  row: ServiceRow;
};

const driftText = (status: ServiceStatus) =>
  status.drift
    .map(d => `${d.ref.kind} ${d.ref.name} ${d.change}: ${d.detail}`)
    .join('\n');

/** Whether a workload image is the desired one (`repo:tag`, or the tag alone when the values set no repository). */
const isImage = (image: string, desired: string) =>
  image === desired ||
  image.endsWith(`:${desired}`) ||
  image.endsWith(`/${desired}`);

const staticColumns: TableColumn<ServiceRow>[] = [
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
  {
    title: 'Version',
    field: 'version',
    render: row =>
      row.running.length > 0 ? (
        <SubvalueCell
          value={row.version ?? '—'}
          subvalue={`running ${row.running.join(', ')}`}
        />
      ) : (
        row.version ?? '—'
      ),
  },
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
    customSort: (a, b) =>
      (a.status?.drift.length ?? 0) - (b.status?.drift.length ?? 0),
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
 * The services of an environment: their startup group, revision and version, how many replicas are ready,
 * whether their objects drifted from what envmesh applied, and the catalog component they belong to. Per
 * service: its merged values (with where each value came from), a new version, a rollback.
 */
export const EnvironmentServicesTable = (props: {
  environment: Environment;
  status?: EnvironmentStatus;
  /** Catalog component refs by service name, where known. */
  componentRefs?: Record<string, string>;
  /** Called when a dialog closes after starting an operation that the page should follow. */
  onStarted?: (operation: Operation) => void;
  /** Called when an operation followed in a dialog ends. */
  onFinished?: (operation: Operation) => void;
}) => {
  const {
    environment,
    status,
    componentRefs = {},
    onStarted,
    onFinished,
  } = props;
  const [dialog, setDialog] = useState<DialogState>();
  const name = environment.name;

  const rows: ServiceRow[] = useMemo(() => {
    const statuses = new Map(status?.services.map(s => [s.name, s]));
    return environment.services.map(spec => {
      const live = statuses.get(spec.name);
      const version = live?.desiredImage ?? spec.imageTag;
      const images = [...new Set(live?.workloads.flatMap(w => w.images))];
      return {
        name: spec.name,
        group: live?.group ?? spec.startupGroup,
        revision: live?.revision,
        version,
        running:
          version && !images.some(image => isImage(image, version))
            ? images
            : [],
        ready:
          live?.workloads.reduce((sum, w) => sum + w.readyReplicas, 0) ?? 0,
        desired:
          live?.workloads.reduce((sum, w) => sum + w.desiredReplicas, 0) ?? 0,
        status: live,
        componentRef: componentRefs[spec.name],
      };
    });
  }, [environment.services, status, componentRefs]);

  const columns = useMemo<TableColumn<ServiceRow>[]>(
    () => [
      ...staticColumns,
      {
        title: 'Actions',
        sorting: false,
        render: row => (
          <Box display="flex" style={{ gap: 4 }}>
            <Button
              size="small"
              onClick={() => setDialog({ kind: 'values', row })}
              aria-label={`Values of ${row.name}`}
            >
              Values
            </Button>
            <PermittedButton
              permission={environmentUpdatePermission}
              resourceRef={name}
              intent="change this environment"
              size="small"
              onClick={() => setDialog({ kind: 'version', row })}
              aria-label={`Update ${row.name}`}
            >
              Update
            </PermittedButton>
            <PermittedButton
              permission={environmentUpdatePermission}
              resourceRef={name}
              intent="change this environment"
              size="small"
              onClick={() => setDialog({ kind: 'rollback', row })}
              aria-label={`Roll back ${row.name}`}
            >
              Roll back
            </PermittedButton>
          </Box>
        ),
      },
    ],
    [name],
  );

  const close = (started?: Operation) => {
    setDialog(undefined);
    if (started) {
      onStarted?.(started);
    }
  };

  return (
    <>
      <Table<ServiceRow>
        title={`Services (${rows.length})`}
        options={{
          paging: rows.length > 20,
          pageSize: 20,
          pageSizeOptions: [20, 50, 100],
          search: rows.length > 10,
          padding: 'dense',
        }}
        columns={columns}
        data={rows}
      />
      {dialog?.kind === 'values' && (
        <MergedValuesDialog
          name={name}
          service={dialog.row.name}
          onClose={() => setDialog(undefined)}
        />
      )}
      {dialog?.kind === 'version' && (
        <ServiceVersionDialog
          environment={environment}
          service={dialog.row.name}
          desiredImage={dialog.row.status?.desiredImage}
          onClose={close}
          onFinished={onFinished}
        />
      )}
      {dialog?.kind === 'rollback' && (
        <RollbackDialog
          name={name}
          service={dialog.row.name}
          currentRevision={dialog.row.revision}
          onClose={close}
          onFinished={onFinished}
        />
      )}
    </>
  );
};
