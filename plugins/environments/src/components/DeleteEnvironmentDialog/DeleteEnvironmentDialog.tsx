import { Link } from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import Typography from '@material-ui/core/Typography';
import { useCallback } from 'react';
import useAsync from 'react-use/esm/useAsync';
import { environmentsApiRef } from '../../api';
import { Operation } from '../../api/types';
import { TypedDeleteDialog } from '../TypedDeleteDialog';

/**
 * Deletes an environment with its namespace, once the user typed the environment's name; then follows the
 * `delete` operation. Its feature branches are named in the warning and go with it (`cascade`).
 */
export const DeleteEnvironmentDialog = (props: {
  name: string;
  onClose: (started?: Operation) => void;
  onFinished?: (operation: Operation) => void;
}) => {
  const { name, onClose, onFinished } = props;
  const environmentsApi = useApi(environmentsApiRef);
  const features = useAsync(
    async () => (await environmentsApi.listFeatures(name)).items,
    [environmentsApi, name],
  );
  const branches = features.value?.map(f => f.name) ?? [];
  const submit = useCallback(
    () =>
      environmentsApi.deleteEnvironment(name, {
        cascade: branches.length > 0,
      }),
    [environmentsApi, name, branches.length],
  );

  return (
    <TypedDeleteDialog
      name={name}
      label="Environment name"
      consequence={`This removes the environment ${name}, its services and its namespace from the cluster${
        branches.length
          ? `, and its feature branches ${branches.join(', ')}`
          : ''
      }.`}
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
