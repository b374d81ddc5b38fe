import { useApi } from '@backstage/core-plugin-api';
import TextField from '@material-ui/core/TextField';
import Typography from '@material-ui/core/Typography';
import { useCallback, useState } from 'react';
import { environmentsApiRef } from '../../api';
import { Operation } from '../../api/types';
import { OperationDialog } from '../OperationDialog';

/**
 * Deletes a feature branch (its instances and routes; the base environment stays) once the user typed its
 * name; then follows the `remove-feature` operation.
 */
export const DeleteFeatureDialog = (props: {
  name: string;
  environment: string;
  onClose: (started?: Operation) => void;
  onFinished?: (operation: Operation) => void;
}) => {
  const { name, environment, onClose, onFinished } = props;
  const environmentsApi = useApi(environmentsApiRef);
  const [typed, setTyped] = useState('');

  const submit = useCallback(
    () => environmentsApi.deleteFeature(name),
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
    >
      <Typography variant="body2" paragraph>
        This removes the feature branch {name}: its instances and its routes in{' '}
        {environment}, whose services then answer every request. It cannot be
        undone. Type <strong>{name}</strong> to confirm.
      </Typography>
      <TextField
        id="delete-feature-confirmation"
        label="Feature branch name"
        fullWidth
        margin="dense"
        autoComplete="off"
        value={typed}
        onChange={e => setTyped(e.target.value)}
      />
    </OperationDialog>
  );
};
