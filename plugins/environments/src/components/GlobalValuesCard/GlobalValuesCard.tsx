import { InfoCard, WarningPanel } from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import Box from '@material-ui/core/Box';
import Button from '@material-ui/core/Button';
import List from '@material-ui/core/List';
import ListItem from '@material-ui/core/ListItem';
import ListItemText from '@material-ui/core/ListItemText';
import TextField from '@material-ui/core/TextField';
import Typography from '@material-ui/core/Typography';
// js-yaml is not (yet) declared by this package; it is hoisted to the repo root by the backend plugin.
import { dump, load } from 'js-yaml';
import { useState } from 'react';
import useAsyncFn from 'react-use/esm/useAsyncFn';
import { environmentsApiRef } from '../../api';
import { DiffResult, Operation, ValuesObject } from '../../api/types';
import { errorMessage } from '../../lib/errorMessage';

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

const DiffView = ({ diff }: { diff: DiffResult }) => {
  if (diff.services.length === 0 && diff.removed.length === 0) {
    return <Typography variant="body2">Nothing would change.</Typography>;
  }
  return (
    <List dense aria-label="Changes">
      {diff.services.map(service => (
        <ListItem key={service.name} disableGutters>
          <ListItemText
            primary={service.name}
            secondary={service.changes
              .map(
                c =>
                  `${c.action} ${c.ref.kind} ${c.ref.name}${
                    c.changes?.length ? ` (${c.changes.join(', ')})` : ''
                  }${c.error ? `: ${c.error}` : ''}`,
              )
              .join('; ')}
          />
        </ListItem>
      ))}
      {diff.removed.map(service => (
        <ListItem key={`removed-${service}`} disableGutters>
          <ListItemText primary={service} secondary="would be removed" />
        </ListItem>
      ))}
    </List>
  );
};

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
        <Button
          variant="contained"
          color="primary"
          disabled={busy}
          onClick={() => save()}
        >
          Save
        </Button>
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
