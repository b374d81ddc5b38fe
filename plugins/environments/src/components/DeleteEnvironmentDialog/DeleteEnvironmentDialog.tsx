import { Link } from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import Typography from '@material-ui/core/Typography';
import { useCallback } from 'react';
import { environmentsApiRef } from '../../api';
import { Operation } from '../../api/types';
import { TypedDeleteDialog } from '../TypedDeleteDialog';

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
  const submit = useCallback(
    () => environmentsApi.deleteEnvironment(name),
    [environmentsApi, name],
  );

  return (
    <TypedDeleteDialog
      name={name}
      label="Environment name"
      consequence={`This removes the environment ${name}, its services and its namespace from the cluster.`}
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
    />
  );
};
