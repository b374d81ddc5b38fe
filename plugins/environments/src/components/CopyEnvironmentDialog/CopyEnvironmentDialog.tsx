import { useApi } from '@backstage/core-plugin-api';
import Typography from '@material-ui/core/Typography';
import { useCallback } from 'react';
import { useNavigate } from 'react-router-dom';
import { environmentsApiRef } from '../../api';
import { Environment, Operation } from '../../api/types';
import { useNewEnvironmentName } from '../NewEnvironmentName';
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
  const { name, namespace, valid, fields } = useNewEnvironmentName({
    idPrefix: 'copy-environment',
    nameLabel: 'New name',
    namespaceHelp: 'Optional; the new name by default',
  });

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
      canSubmit={valid}
      onSubmit={submit}
      onStarted={handleStarted}
      onClose={onClose}
    >
      <Typography variant="body2" paragraph>
        The copy runs the same service versions, values and config (secrets are
        copied in the cluster) on cluster {environment.cluster}.
      </Typography>
      {fields}
    </OperationDialog>
  );
};
