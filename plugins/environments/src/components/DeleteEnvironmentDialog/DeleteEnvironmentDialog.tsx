import { Link } from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import TextField from '@material-ui/core/TextField';
import Typography from '@material-ui/core/Typography';
import { useCallback, useState } from 'react';
import { environmentsApiRef } from '../../api';
import { Operation } from '../../api/types';
import { OperationDialog } from '../OperationDialog';

/**
 * Deletes an environment with its namespace, once the user typed the environment's name; then follows the
 * `delete` operation.
 */
export const DeleteEnvironmentDialog = (props: {
  name: string;
  onClose: (started?: Operation) => void;
  onFinished?: (operation: Operation) => void;
}) => {
  const { name, onClose, onFinished } = props;
  const environmentsApi = useApi(environmentsApiRef);
  const [typed, setTyped] = useState('');

  const submit = useCallback(
    () => environmentsApi.deleteEnvironment(name),
    [environmentsApi, name],
  );

  return (
    <OperationDialog
      open
      title={`Delete ${name}`}
      submitLabel="Delete"
      destructive
      canSubmit={typed === name}
      onSubmit={submit}
      onFinished={onFinished}
      onClose={onClose}
      renderFinished={operation =>
        operation.state === 'succeeded' ? (
          <Typography variant="body2">
            {name} was deleted.{' '}
            <Link to=".." relative="path">
              Back to the environments
            </Link>
          </Typography>
        ) : null
      }
    >
      <Typography variant="body2" paragraph>
        This removes the environment {name}, its services and its namespace from
        the cluster. It cannot be undone. Type <strong>{name}</strong> to
        confirm.
      </Typography>
      <TextField
        id="delete-environment-confirmation"
        label="Environment name"
        fullWidth
        margin="dense"
        autoComplete="off"
        value={typed}
        onChange={e => setTyped(e.target.value)}
      />
    </OperationDialog>
  );
};
