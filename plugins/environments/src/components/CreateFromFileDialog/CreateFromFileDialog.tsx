import { useApi } from '@backstage/core-plugin-api';
import Button from '@material-ui/core/Button';
import TextField from '@material-ui/core/TextField';
import Typography from '@material-ui/core/Typography';
import yaml from 'js-yaml';
import { ChangeEvent, useCallback, useMemo, useState } from 'react';
import { useNavigate } from 'react-router-dom';
import { environmentsApiRef } from '../../api';
import { CreateEnvironmentRequest, Operation } from '../../api/types';
import { useNewEnvironmentName } from '../NewEnvironmentName';
import { OperationDialog } from '../OperationDialog';

/** The create request an exported `envmesh.io/v1alpha1` Environment document stands for, or why it is none. */
export function requestFromDocument(
  text: string,
): { request: CreateEnvironmentRequest } | { error: string } {
  let document: any;
  try {
    document = yaml.load(text);
  } catch (e) {
    return { error: `Not YAML: ${(e as Error).message}` };
  }
  if (
    document?.apiVersion !== 'envmesh.io/v1alpha1' ||
    document?.kind !== 'Environment' ||
    typeof document?.spec !== 'object'
  ) {
    return {
      error:
        'Not an exported environment: expected apiVersion envmesh.io/v1alpha1, kind Environment and a spec',
    };
  }
  return {
    request: {
      ...document.spec,
      name: document.metadata?.name,
      ...(document.metadata?.description
        ? { description: document.metadata.description }
        : {}),
    },
  };
}

/**
 * "Create from file": a new environment from an exported Environment document (`environment.yaml` of an
 * export), uploaded or pasted, under a name and namespace of the user's. Secrets come with their key names only:
 * their values are set afterwards. Once the create started, it opens the new environment's page.
 */
export const CreateFromFileDialog = (props: {
  onClose: (started?: Operation) => void;
}) => {
  const environmentsApi = useApi(environmentsApiRef);
  const navigate = useNavigate();
  const [text, setText] = useState('');
  const { name, namespace, valid, fields } = useNewEnvironmentName({
    idPrefix: 'create-from-file',
    nameLabel: 'Name',
    namespaceHelp: 'Optional; the name by default',
  });

  const parsed = useMemo(
    () => (text.trim() ? requestFromDocument(text) : undefined),
    [text],
  );

  const upload = async (e: ChangeEvent<HTMLInputElement>) => {
    const file = e.target.files?.[0];
    if (file) setText(await file.text());
  };

  const submit = useCallback(async () => {
    if (!parsed || 'error' in parsed) throw new Error('no document');
    return environmentsApi.createEnvironment({
      ...parsed.request,
      name,
      // The document's namespace belongs to the exported environment: the new one gets its own.
      namespace: namespace || name,
    });
  }, [environmentsApi, parsed, name, namespace]);

  return (
    <OperationDialog
      open
      title="Create from file"
      submitLabel="Create"
      canSubmit={!!parsed && 'request' in parsed && valid}
      onSubmit={submit}
      // The list's page is the dialog's: the new environment's page is below it.
      onStarted={operation =>
        navigate(encodeURIComponent(operation.environment || name))
      }
      onClose={props.onClose}
    >
      <Typography variant="body2" paragraph>
        An exported environment (its environment.yaml): the same services,
        versions, values, config and resources. Secrets come with their key
        names only; set their values once it is created.
      </Typography>
      <Button variant="outlined" component="label">
        Choose a file
        <input
          hidden
          type="file"
          accept=".yaml,.yml"
          aria-label="Environment file"
          onChange={upload}
        />
      </Button>
      <TextField
        id="create-from-file-document"
        label="Environment document"
        multiline
        minRows={6}
        maxRows={16}
        fullWidth
        margin="dense"
        value={text}
        onChange={e => setText(e.target.value)}
        error={!!parsed && 'error' in parsed}
        helperText={
          parsed && 'error' in parsed
            ? parsed.error
            : 'Paste it here, or choose the file'
        }
      />
      {fields}
    </OperationDialog>
  );
};
