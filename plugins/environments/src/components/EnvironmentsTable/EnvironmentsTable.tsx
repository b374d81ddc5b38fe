import {
  EmptyState,
  StatusOK,
  StatusWarning,
  SubvalueCell,
  Table,
  TableColumn,
} from '@backstage/core-components';
import { useApi, useRouteRef } from '@backstage/core-plugin-api';
import { catalogApiRef, EntityRefLink } from '@backstage/plugin-catalog-react';
import {
  environmentCreatePermission,
  EnvironmentSummary,
} from '@envmesh/plugin-environments-common';
import Box from '@material-ui/core/Box';
import AddIcon from '@material-ui/icons/Add';
import Brightness3Icon from '@material-ui/icons/Brightness3';
import { useState } from 'react';
import useAsync from 'react-use/esm/useAsync';
import { environmentsApiRef } from '../../api';
import {
  createEnvironmentRouteRef,
  NEW_ENVIRONMENT_TEMPLATE,
} from '../../routes';
import { EnvironmentCostCell } from '../CostCard';
import { CreateFromFileDialog } from '../CreateFromFileDialog';
import { LastOperation, LastOperationCacheProvider } from '../LastOperation';
import { LoadedItems } from '../LoadedItems';
import { PermittedButton } from '../PermittedButton';
import { EnvironmentNameCell } from './EnvironmentNameCell';

/** How many rows a page of the table shows. */
const PAGE_SIZE = 20;

const readyShare = ({ services }: EnvironmentSummary) =>
  services.total === 0 ? 1 : services.ready / services.total;

const columns: TableColumn<EnvironmentSummary>[] = [
  {
    title: 'Name',
    field: 'name',
    highlight: true,
    // Relative to the list page, so it works wherever the plugin is mounted, in both frontend systems.
    render: environment => (
      <EnvironmentNameCell
        environment={environment}
        to={encodeURIComponent(environment.name)}
      />
    ),
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
  {
    title: 'Sleep',
    field: 'sleepState',
    render: environment =>
      environment.asleepSince ? (
        <SubvalueCell
          value={
            <Box display="flex" alignItems="center" style={{ gap: 4 }}>
              <Brightness3Icon fontSize="small" aria-hidden /> asleep
            </Box>
          }
          subvalue={`since ${new Date(
            environment.asleepSince,
          ).toLocaleString()}`}
        />
      ) : (
        environment.sleepState
      ),
  },
  {
    title: 'Cost (7 days)',
    sorting: false,
    // Fetched per shown row only, like the last operation.
    render: environment => <EnvironmentCostCell name={environment.name} />,
  },
  {
    title: 'Last operation',
    sorting: false,
    // Fetched per shown row only, so a long list costs one request per row of the page.
    render: environment => <LastOperation name={environment.name} />,
  },
];

/** "Create from file": an exported environment document as a new environment. */
const CreateFromFileButton = () => {
  const [open, setOpen] = useState(false);
  return (
    <>
      <PermittedButton
        permission={environmentCreatePermission}
        intent="create environments"
        variant="outlined"
        onClick={() => setOpen(true)}
      >
        Create from file
      </PermittedButton>
      {open && <CreateFromFileDialog onClose={() => setOpen(false)} />}
    </>
  );
};

/** The "Create" button: to the scaffolder template that creates an environment, once the catalog has it. */
const CreateButton = () => {
  const selectedTemplate = useRouteRef(createEnvironmentRouteRef);
  const catalogApi = useApi(catalogApiRef);
  const template = useAsync(
    () =>
      catalogApi.getEntityByRef({
        kind: 'template',
        namespace: NEW_ENVIRONMENT_TEMPLATE.namespace,
        name: NEW_ENVIRONMENT_TEMPLATE.templateName,
      }),
    [catalogApi],
  );
  const to = selectedTemplate
    ? selectedTemplate(NEW_ENVIRONMENT_TEMPLATE)
    : `/create/templates/${NEW_ENVIRONMENT_TEMPLATE.namespace}/${NEW_ENVIRONMENT_TEMPLATE.templateName}`;
  return (
    <PermittedButton
      permission={environmentCreatePermission}
      intent="create environments"
      to={to}
      // Not registered: say how, rather than link to a page that cannot be found. A catalog that cannot
      // answer leaves the link as it is.
      disabledReason={
        !template.loading && !template.error && !template.value
          ? `The ${NEW_ENVIRONMENT_TEMPLATE.templateName} template is not in the catalog: register templates/all.yaml of @envmesh/plugin-scaffolder-backend-module-environments (see its README), or use "Create from file"`
          : undefined
      }
      variant="contained"
      color="primary"
      startIcon={<AddIcon />}
    >
      Create
    </PermittedButton>
  );
};

/**
 * Every environment envmesh manages: where it runs, who owns it, how many of its services are ready, whether it
 * sleeps and its latest operation; searchable, filterable by cluster, owner and sleep, paged 20 rows at a time.
 */
export const EnvironmentsTable = () => {
  const environmentsApi = useApi(environmentsApiRef);
  const environmentList = useAsync(
    async () => (await environmentsApi.listEnvironments()).items,
    [environmentsApi],
  );

  const content = (
    <LoadedItems
      state={environmentList}
      empty={
        <EmptyState
          missing="data"
          title="No environments yet"
          description="Environments show up here once they are created, for example from a software template or from an environment definition file."
        />
      }
    >
      {environments => (
        <LastOperationCacheProvider>
          <Table<EnvironmentSummary>
            title={`Environments (${environments.length})`}
            options={{
              paging: environments.length > PAGE_SIZE,
              pageSize: PAGE_SIZE,
              pageSizeOptions: [PAGE_SIZE, 50, 100],
              search: true,
            }}
            filters={[
              { column: 'Cluster', type: 'select' },
              { column: 'Owner', type: 'select' },
              { column: 'Sleep', type: 'select' },
            ]}
            columns={columns}
            data={environments}
          />
        </LastOperationCacheProvider>
      )}
    </LoadedItems>
  );

  return (
    <>
      <Box display="flex" justifyContent="flex-end" mb={2} style={{ gap: 8 }}>
        <CreateFromFileButton />
        <CreateButton />
      </Box>
      {content}
    </>
  );
};
