import {
  environmentCreatePermission,
  environmentDeletePermission,
} from '@envmesh/plugin-environments-common';
import Box from '@material-ui/core/Box';
import { useState } from 'react';
import { useNavigate } from 'react-router-dom';
import { Environment, Operation } from '../../api/types';
import { CopyEnvironmentDialog } from '../CopyEnvironmentDialog';
import { DeleteEnvironmentDialog } from '../DeleteEnvironmentDialog';
import { PermittedButton } from '../PermittedButton';
import { SleepButton } from '../SleepButton';

/**
 * The actions on a whole environment: put it to sleep or wake it (needs `environments.environment.update` on
 * it), copy it (needs `environments.environment.create`) and delete it (needs `environments.environment.delete`
 * on it); copy and delete in a dialog that follows the operation it starts.
 */
export const EnvironmentActions = (props: {
  environment: Environment;
  /** Called when a dialog closes after starting an operation that the page should follow. */
  onStarted?: (operation: Operation) => void;
}) => {
  const { environment, onStarted } = props;
  const navigate = useNavigate();
  const [dialog, setDialog] = useState<'copy' | 'delete'>();
  const [deleted, setDeleted] = useState(false);

  const closeDelete = (started?: Operation) => {
    setDialog(undefined);
    if (deleted) {
      navigate('..', { relative: 'path' });
    } else if (started) {
      onStarted?.(started);
    }
  };

  return (
    <Box display="flex" flexWrap="wrap" style={{ gap: 8 }}>
      <SleepButton environment={environment} onStarted={onStarted} />
      <PermittedButton
        permission={environmentCreatePermission}
        intent="create environments"
        variant="outlined"
        onClick={() => setDialog('copy')}
      >
        Copy
      </PermittedButton>
      <PermittedButton
        permission={environmentDeletePermission}
        resourceRef={environment.name}
        intent="delete this environment"
        variant="outlined"
        color="secondary"
        onClick={() => setDialog('delete')}
      >
        Delete
      </PermittedButton>
      {dialog === 'copy' && (
        <CopyEnvironmentDialog
          environment={environment}
          onClose={() => setDialog(undefined)}
        />
      )}
      {dialog === 'delete' && (
        <DeleteEnvironmentDialog
          name={environment.name}
          onClose={closeDelete}
          // Not passed on: the page would reload an environment that is gone while the dialog still shows it.
          onFinished={operation => setDeleted(operation.state === 'succeeded')}
        />
      )}
    </Box>
  );
};
