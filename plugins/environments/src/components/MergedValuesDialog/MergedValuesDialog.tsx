import {
  CodeSnippet,
  Progress,
  ResponseErrorPanel,
  Table,
  TableColumn,
} from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import Button from '@material-ui/core/Button';
import Chip from '@material-ui/core/Chip';
import Dialog from '@material-ui/core/Dialog';
import DialogActions from '@material-ui/core/DialogActions';
import DialogContent from '@material-ui/core/DialogContent';
import DialogTitle from '@material-ui/core/DialogTitle';
import Tab from '@material-ui/core/Tab';
import Tabs from '@material-ui/core/Tabs';
import Typography from '@material-ui/core/Typography';
import { useState } from 'react';
import useAsync from 'react-use/esm/useAsync';
import { environmentsApiRef } from '../../api';
import { ValuesLayer } from '../../api/types';
import {
  formatLeafValue,
  LAYER_LABELS,
  ValueLeaf,
  valueLeaves,
} from '../../lib/valueLeaves';

const LAYER_COLORS: Record<ValuesLayer, 'default' | 'primary' | 'secondary'> = {
  chart: 'default',
  environment: 'primary',
  service: 'secondary',
  override: 'secondary',
  feature: 'primary',
};

const columns: TableColumn<ValueLeaf>[] = [
  {
    title: 'Path',
    field: 'path',
    highlight: true,
    render: leaf => <code>{leaf.path}</code>,
  },
  {
    title: 'Value',
    customFilterAndSearch: (query: string, leaf) =>
      formatLeafValue(leaf.value).toLowerCase().includes(query.toLowerCase()),
    render: leaf => (
      <code style={{ wordBreak: 'break-all' }}>
        {formatLeafValue(leaf.value)}
      </code>
    ),
  },
  {
    title: 'Set by',
    field: 'layer',
    render: leaf =>
      leaf.layer ? (
        <Chip
          size="small"
          variant={leaf.layer === 'chart' ? 'outlined' : 'default'}
          color={LAYER_COLORS[leaf.layer]}
          label={LAYER_LABELS[leaf.layer]}
        />
      ) : (
        'unknown'
      ),
  },
];

const MergedValuesTable = (props: {
  name: string;
  service: string;
  feature?: string;
}) => {
  const { name, service, feature } = props;
  const environmentsApi = useApi(environmentsApiRef);
  const { value, loading, error } = useAsync(
    () =>
      feature
        ? environmentsApi.getInstanceValues(feature, service)
        : environmentsApi.getServiceValues(name, service),
    [environmentsApi, name, service, feature],
  );

  if (loading) {
    return <Progress />;
  }
  if (error) {
    return <ResponseErrorPanel error={error} />;
  }
  const leaves = value ? valueLeaves(value) : [];
  if (leaves.length === 0) {
    return <Typography variant="body2">The service has no values.</Typography>;
  }
  return (
    <Table<ValueLeaf>
      title={`${leaves.length} values`}
      subtitle={`Lowest precedence first: chart < environment < service < key/value${
        feature ? ' < feature instance' : ''
      }`}
      options={{
        paging: leaves.length > 20,
        pageSize: 20,
        pageSizeOptions: [20, 50, 100],
        padding: 'dense',
      }}
      columns={columns}
      data={leaves}
    />
  );
};

const Manifest = (props: { name: string; service: string }) => {
  const { name, service } = props;
  const environmentsApi = useApi(environmentsApiRef);
  const { value, loading, error } = useAsync(
    () => environmentsApi.getServiceManifest(name, service),
    [environmentsApi, name, service],
  );

  if (loading) {
    return <Progress />;
  }
  if (error) {
    return <ResponseErrorPanel error={error} />;
  }
  return (
    <CodeSnippet
      text={value ?? ''}
      language="yaml"
      showLineNumbers
      showCopyCodeButton
    />
  );
};

/**
 * The Helm values one service of an environment is rendered with, each leaf with the layer that set it (chart
 * defaults, environment global values, service override, key/value override), and the rendered manifest; with
 * `feature`, the values of that feature branch's instance of the service (its own layer on top).
 */
export const MergedValuesDialog = (props: {
  name: string;
  service: string;
  /** A feature branch: show its instance of the service (its values on top; no manifest of its own here). */
  feature?: string;
  onClose: () => void;
}) => {
  const { name, service, feature, onClose } = props;
  const [tab, setTab] = useState<'values' | 'manifest'>('values');

  return (
    <Dialog
      open
      onClose={onClose}
      fullWidth
      maxWidth="lg"
      aria-labelledby="merged-values-title"
    >
      <DialogTitle id="merged-values-title">
        {service} in {feature ?? name}
      </DialogTitle>
      <DialogContent>
        <Tabs
          value={tab}
          onChange={(_e, v) => setTab(v)}
          indicatorColor="primary"
        >
          <Tab value="values" label="Merged values" />
          {!feature && <Tab value="manifest" label="Rendered manifest" />}
        </Tabs>
        {tab === 'values' ? (
          <MergedValuesTable name={name} service={service} feature={feature} />
        ) : (
          <Manifest name={name} service={service} />
        )}
      </DialogContent>
      <DialogActions>
        <Button onClick={onClose}>Close</Button>
      </DialogActions>
    </Dialog>
  );
};
