import { WarningPanel } from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import Button from '@material-ui/core/Button';
import Dialog from '@material-ui/core/Dialog';
import DialogActions from '@material-ui/core/DialogActions';
import DialogContent from '@material-ui/core/DialogContent';
import DialogTitle from '@material-ui/core/DialogTitle';
import TextField from '@material-ui/core/TextField';
import Typography from '@material-ui/core/Typography';
import { FormEvent, useState } from 'react';
import useAsyncFn from 'react-use/esm/useAsyncFn';
import { environmentsApiRef } from '../../api';
import { errorMessage } from '../../lib/errorMessage';

/**
 * Writes new values for keys of a declared Secret (`PUT /environments/{name}/secrets/{secret}`). Values are
 * typed into password fields, sent once and cleared; they are never read back or shown.
 */
export const SecretValuesDialog = (props: {
  name: string;
  secret: { name: string; keys: string[] };
  onClose: () => void;
}) => {
  const { name, secret, onClose } = props;
  const environmentsApi = useApi(environmentsApiRef);
  const [values, setValues] = useState<Record<string, string>>({});
  const filled = Object.fromEntries(
    Object.entries(values).filter(([, value]) => value !== ''),
  );
  const filledKeys = Object.keys(filled);

  const [state, write] = useAsyncFn(async () => {
    const keys = Object.keys(filled).sort();
    await environmentsApi.writeSecretValues(name, secret.name, filled);
    // The values leave the page's state as soon as they are written.
    setValues({});
    return keys;
  }, [environmentsApi, name, secret.name, filled]);

  const handleSubmit = (event: FormEvent) => {
    event.preventDefault();
    if (filledKeys.length > 0 && !state.loading) {
      write();
    }
  };

  return (
    <Dialog
      open
      onClose={onClose}
      fullWidth
      maxWidth="sm"
      aria-labelledby="secret-values-title"
    >
      <form onSubmit={handleSubmit} noValidate autoComplete="off">
        <DialogTitle id="secret-values-title">
          Set values of {secret.name}
        </DialogTitle>
        <DialogContent>
          <Typography variant="body2" paragraph>
            Values are written to the cluster only; envmesh never stores or
            shows them. Keys left empty keep their current value.
          </Typography>
          {secret.keys.map(key => (
            <TextField
              key={key}
              id={`secret-${secret.name}-${key}`}
              label={key}
              type="password"
              fullWidth
              margin="dense"
              value={values[key] ?? ''}
              onChange={e =>
                setValues(previous => ({ ...previous, [key]: e.target.value }))
              }
              inputProps={{ autoComplete: 'new-password', spellCheck: false }}
            />
          ))}
          {state.error && (
            <WarningPanel severity="error" title={errorMessage(state.error)} />
          )}
          {!state.error && state.value && (
            <Typography variant="body2" role="status">
              Wrote new values for {state.value.join(', ')}.
            </Typography>
          )}
        </DialogContent>
        <DialogActions>
          <Button onClick={onClose}>Close</Button>
          <Button
            type="submit"
            variant="contained"
            color="primary"
            disabled={filledKeys.length === 0 || state.loading}
          >
            Write values
          </Button>
        </DialogActions>
      </form>
    </Dialog>
  );
};
