import { InfoCard, WarningPanel } from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import { environmentUpdatePermission } from '@envmesh/plugin-environments-common';
import Box from '@material-ui/core/Box';
import Button from '@material-ui/core/Button';
import TextField from '@material-ui/core/TextField';
import Typography from '@material-ui/core/Typography';
import { dump, load } from 'js-yaml';
import { environmentsApiRef } from '../../api';
import { Operation, ValuesObject } from '../../api/types';
import { usePreviewedSave } from '../../hooks/usePreviewedSave';
import { errorMessage } from '../../lib/errorMessage';
import { DiffView, SaveHint } from '../DiffView';
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
  const editor = usePreviewedSave({
    initialText:
      Object.keys(globalValues).length === 0 ? '' : dump(globalValues),
    toRequest: text => ({ globalValues: parseValues(text) }),
    preview: request => environmentsApi.diffEnvironment(name, request),
    save: request => environmentsApi.updateEnvironment(name, request),
    onSaved,
  });

  return (
    <InfoCard title="Global values">
      <TextField
        id={`environment-${name}-global-values`}
        label="Global values (YAML)"
        multiline
        minRows={6}
        fullWidth
        variant="outlined"
        value={editor.text}
        onChange={e => editor.setText(e.target.value)}
        inputProps={{
          spellCheck: false,
          readOnly: editor.saving,
          style: { fontFamily: 'monospace' },
        }}
      />
      <Box mt={1} display="flex" style={{ gap: 8 }}>
        <Button
          variant="outlined"
          disabled={editor.busy}
          onClick={() => editor.preview()}
        >
          Preview diff
        </Button>
        <PermittedButton
          permission={environmentUpdatePermission}
          resourceRef={name}
          intent="change this environment"
          variant="contained"
          color="primary"
          disabled={!editor.canSave}
          onClick={() => editor.save()}
        >
          Save
        </PermittedButton>
      </Box>
      <SaveHint previewed={Boolean(editor.diff)} />
      {editor.error && (
        <WarningPanel severity="error" title={errorMessage(editor.error)} />
      )}
      {editor.diff && (
        <Box mt={1}>
          <DiffView diff={editor.diff} />
        </Box>
      )}
      {editor.started && (
        <Typography variant="body2">
          Started operation {editor.started.id}.
        </Typography>
      )}
    </InfoCard>
  );
};
