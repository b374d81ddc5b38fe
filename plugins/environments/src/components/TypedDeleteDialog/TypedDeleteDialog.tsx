import TextField from '@material-ui/core/TextField';
import Typography from '@material-ui/core/Typography';
import { ReactNode, useState } from 'react';
import { Operation } from '../../api/types';
import { OperationDialog, OperationDialogProps } from '../OperationDialog';

/**
 * A delete that cannot be undone: enabled once the user typed `name`, then follows the operation that
 * `onSubmit` started.
 */
export const TypedDeleteDialog = (props: {
  name: string;
  /** What the name is of, for the field's label ("Environment name"). */
  label: string;
  /** What the delete removes, before "It cannot be undone". */
  consequence: ReactNode;
  onSubmit: () => Promise<Operation>;
  onClose: (started?: Operation) => void;
  onFinished?: (operation: Operation) => void;
  renderFinished?: OperationDialogProps['renderFinished'];
}) => {
  const { name, label, consequence, ...dialog } = props;
  const [typed, setTyped] = useState('');
  return (
    <OperationDialog
      open
      title={`Delete ${name}`}
      submitLabel="Delete"
      destructive
      canSubmit={typed === name}
      {...dialog}
    >
      <Typography variant="body2" paragraph>
        {consequence} It cannot be undone. Type <strong>{name}</strong> to
        confirm.
      </Typography>
      <TextField
        id="delete-confirmation"
        label={label}
        fullWidth
        margin="dense"
        autoComplete="off"
        value={typed}
        onChange={e => setTyped(e.target.value)}
      />
    </OperationDialog>
  );
};
