import { InfoCard, WarningPanel } from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import { environmentUpdatePermission } from '@envmesh/plugin-environments-common';
import Box from '@material-ui/core/Box';
import Button from '@material-ui/core/Button';
import TextField from '@material-ui/core/TextField';
import Typography from '@material-ui/core/Typography';
import { dump, load } from 'js-yaml';
import { useState } from 'react';
import useAsyncFn from 'react-use/esm/useAsyncFn';
import { environmentsApiRef } from '../../api';
import { Operation, ValuesObject } from '../../api/types';
import { errorMessage } from '../../lib/errorMessage';
import { DiffView } from '../DiffView';
import { PermittedButton } from '../PermittedButton';

/** The YAML text as a values map; an empty text is an empty map. */
function parseValues(text: string): ValuesObject {
  const values = load(text);
  if (values === undefined || values === null) {
    return {};
  }
  if (typeof values !== 'object' || Array.isArray(values)) {
    throw new Error('Global values must be a YAML map');
  }
  return values as ValuesObject;
}

/**
 * The environment's global values as YAML: edit, preview what would change by a server-side dry run, save.
 */
export const GlobalValuesCard = (props: {
  name: string;
  globalValues: ValuesObject;
  /** Called with the operation the save started. */
  onSaved?: (operation: Operation) => void;
}) => {
  const { name, globalValues, onSaved } = props;
  const environmentsApi = useApi(environmentsApiRef);
  const [text, setText] = useState(() =>
    Object.keys(globalValues).length === 0 ? '' : dump(globalValues),
  );

  const [diffState, preview] = useAsyncFn(
    async () =>
      environmentsApi.diffEnvironment(name, {
        globalValues: parseValues(text),
      }),
    [environmentsApi, name, text],
  );
  const [saveState, save] = useAsyncFn(async () => {
    const operation = await environmentsApi.updateEnvironment(name, {
      globalValues: parseValues(text),
    });
    onSaved?.(operation);
    return operation;
  }, [environmentsApi, name, text, onSaved]);

  const busy = diffState.loading || saveState.loading;
  const error = saveState.error ?? diffState.error;

  return (
    <InfoCard title="Global values">
      <TextField
        id={`environment-${name}-global-values`}
        label="Global values (YAML)"
        multiline
        minRows={6}
        fullWidth
        variant="outlined"
        value={text}
        onChange={e => setText(e.target.value)}
        inputProps={{ spellCheck: false, style: { fontFamily: 'monospace' } }}
      />
      <Box mt={1} display="flex" style={{ gap: 8 }}>
        <Button variant="outlined" disabled={busy} onClick={() => preview()}>
          Preview diff
        </Button>
        <PermittedButton
          permission={environmentUpdatePermission}
          resourceRef={name}
          intent="change this environment"
          variant="contained"
          color="primary"
          disabled={busy}
          onClick={() => save()}
        >
          Save
        </PermittedButton>
      </Box>
      {error && <WarningPanel severity="error" title={errorMessage(error)} />}
      {diffState.value && !diffState.error && (
        <Box mt={1}>
          <DiffView diff={diffState.value} />
        </Box>
      )}
      {saveState.value && !saveState.error && (
        <Typography variant="body2">
          Started operation {saveState.value.id}.
        </Typography>
      )}
    </InfoCard>
  );
};
