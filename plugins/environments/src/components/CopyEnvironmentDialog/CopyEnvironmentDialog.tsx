import { useApi } from '@backstage/core-plugin-api';
import { validateDnsLabel } from '@envmesh/plugin-environments-common';
import TextField from '@material-ui/core/TextField';
import Typography from '@material-ui/core/Typography';
import { useCallback, useState } from 'react';
import { useNavigate } from 'react-router-dom';
import { environmentsApiRef } from '../../api';
import { Environment, Operation } from '../../api/types';
import { OperationDialog } from '../OperationDialog';

/**
 * Copies an environment: the new name and, optionally, its namespace. Once the copy started, it opens the new
 * environment's page (a sibling of this one), where the `copy` operation is followed.
 */
export const CopyEnvironmentDialog = (props: {
  environment: Environment;
  onClose: (started?: Operation) => void;
}) => {
  const { environment, onClose } = props;
  const environmentsApi = useApi(environmentsApiRef);
  const navigate = useNavigate();
  const [name, setName] = useState('');
  const [namespace, setNamespace] = useState('');

  const nameError = name ? validateDnsLabel(name, 'Name') : undefined;
  const namespaceError = namespace
    ? validateDnsLabel(namespace, 'Namespace')
    : undefined;

  const submit = useCallback(
    () =>
      environmentsApi.copyEnvironment(environment.name, {
        name,
        ...(namespace ? { namespace } : {}),
      }),
    [environmentsApi, environment.name, name, namespace],
  );
  const handleStarted = useCallback(
    (operation: Operation) => {
      // Relative to this environment's page: its sibling.
      navigate(`../${encodeURIComponent(operation.environment || name)}`, {
        relative: 'path',
      });
    },
    [navigate, name],
  );

  return (
    <OperationDialog
      open
      title={`Copy ${environment.name}`}
      submitLabel="Copy"
      canSubmit={Boolean(name) && !nameError && !namespaceError}
      onSubmit={submit}
      onStarted={handleStarted}
      onClose={onClose}
    >
      <Typography variant="body2" paragraph>
        The copy runs the same service versions, values and config (secrets are
        copied in the cluster) on cluster {environment.cluster}.
      </Typography>
      <TextField
        id="copy-environment-name"
        label="New name"
        required
        fullWidth
        margin="dense"
        value={name}
        onChange={e => setName(e.target.value)}
        error={Boolean(nameError)}
        helperText={nameError ?? 'Lower-case letters, digits and -'}
      />
      <TextField
        id="copy-environment-namespace"
        label="Namespace"
        fullWidth
        margin="dense"
        value={namespace}
        onChange={e => setNamespace(e.target.value)}
        error={Boolean(namespaceError)}
        helperText={namespaceError ?? 'Optional; the new name by default'}
      />
    </OperationDialog>
  );
};
