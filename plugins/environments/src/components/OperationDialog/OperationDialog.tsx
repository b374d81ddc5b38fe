import { WarningPanel } from '@backstage/core-components';
import Box from '@material-ui/core/Box';
import Button from '@material-ui/core/Button';
import Dialog from '@material-ui/core/Dialog';
import DialogActions from '@material-ui/core/DialogActions';
import DialogContent from '@material-ui/core/DialogContent';
import DialogTitle from '@material-ui/core/DialogTitle';
import { FormEvent, ReactNode, useCallback, useState } from 'react';
import useAsyncFn from 'react-use/esm/useAsyncFn';
import { Operation } from '../../api/types';
import { errorMessage } from '../../lib/errorMessage';
import { OperationProgress } from '../OperationProgress';

/** Props of {@link OperationDialog}. */
export interface OperationDialogProps {
  open: boolean;
  title: string;
  /** The label of the button that starts the operation. */
  submitLabel: string;
  /** False while the form is incomplete. */
  canSubmit?: boolean;
  /** Colours the submit button as a destructive action. */
  destructive?: boolean;
  /** Calls the API; answers with the started operation. A rejection is shown with the backend's reason. */
  onSubmit: () => Promise<Operation>;
  /** Called as soon as the operation started. */
  onStarted?: (operation: Operation) => void;
  /** Called when the followed operation ends. */
  onFinished?: (operation: Operation) => void;
  /** Called when the dialog closes, with the operation it started, if any. */
  onClose: (started?: Operation) => void;
  /** The form. */
  children: ReactNode;
  /** Shown below the progress once the operation ended. */
  renderFinished?: (operation: Operation) => ReactNode;
}

/**
 * A dialog that starts an operation from a form, then follows it: the form while it is filled in (with the
 * API's reason when the request is refused), the operation's progress and log once it started.
 */
export const OperationDialog = (props: OperationDialogProps) => {
  const {
    open,
    title,
    submitLabel,
    canSubmit = true,
    destructive,
    onSubmit,
    onStarted,
    onFinished,
    onClose,
    children,
    renderFinished,
  } = props;
  const [finished, setFinished] = useState<Operation>();

  const [state, submit] = useAsyncFn(async () => {
    const operation = await onSubmit();
    onStarted?.(operation);
    return operation;
  }, [onSubmit, onStarted]);
  const started = state.error ? undefined : state.value;

  const handleFinished = useCallback(
    (operation: Operation) => {
      setFinished(operation);
      onFinished?.(operation);
    },
    [onFinished],
  );

  const handleSubmit = (event: FormEvent) => {
    event.preventDefault();
    if (canSubmit && !state.loading) {
      submit();
    }
  };

  const titleId = `operation-dialog-${title.replace(/\W+/g, '-')}`;
  return (
    <Dialog
      open={open}
      onClose={() => onClose(started)}
      fullWidth
      maxWidth="sm"
      aria-labelledby={titleId}
    >
      <form onSubmit={handleSubmit} noValidate>
        <DialogTitle id={titleId}>{title}</DialogTitle>
        <DialogContent>
          {started ? (
            <>
              <OperationProgress
                operation={started}
                onFinished={handleFinished}
              />
              {finished && renderFinished && (
                <Box mt={2}>{renderFinished(finished)}</Box>
              )}
            </>
          ) : (
            <>
              {children}
              {state.error && (
                <Box mt={2}>
                  <WarningPanel
                    severity="error"
                    title={errorMessage(state.error)}
                  />
                </Box>
              )}
            </>
          )}
        </DialogContent>
        <DialogActions>
          {started ? (
            <Button onClick={() => onClose(started)}>Close</Button>
          ) : (
            <>
              <Button onClick={() => onClose()}>Cancel</Button>
              <Button
                type="submit"
                variant="contained"
                color={destructive ? 'secondary' : 'primary'}
                disabled={!canSubmit || state.loading}
              >
                {submitLabel}
              </Button>
            </>
          )}
        </DialogActions>
      </form>
    </Dialog>
  );
};
