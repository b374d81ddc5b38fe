import { WarningPanel } from '@backstage/core-components';
import { environmentUpdatePermission } from '@envmesh/plugin-environments-common';
import Box from '@material-ui/core/Box';
import Button from '@material-ui/core/Button';
import TextField from '@material-ui/core/TextField';
import Typography from '@material-ui/core/Typography';
import { usePreviewedSave } from '../../hooks/usePreviewedSave';
import { errorMessage } from '../../lib/errorMessage';
import { DiffView, SaveHint } from '../DiffView';
import { PermittedButton } from '../PermittedButton';

/**
 * A YAML text field of an environment with "preview the diff" and "save" (for those allowed to update the
 * environment), the server's refusal, the previewed diff and the operation a save started.
 */
export const PreviewedYamlEditor = (props: {
  /** The environment, as the resource the save is authorized on. */
  environment: string;
  editor: ReturnType<typeof usePreviewedSave<any>>;
  id: string;
  label: string;
  helperText?: string;
  minRows: number;
  previewLabel: string;
  saveLabel: string;
}) => {
  const { editor } = props;
  return (
    <>
      <TextField
        id={props.id}
        label={props.label}
        helperText={props.helperText}
        multiline
        minRows={props.minRows}
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
          {props.previewLabel}
        </Button>
        <PermittedButton
          permission={environmentUpdatePermission}
          resourceRef={props.environment}
          intent="change this environment"
          variant="contained"
          color="primary"
          disabled={!editor.canSave}
          onClick={() => editor.save()}
        >
          {props.saveLabel}
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
    </>
  );
};
