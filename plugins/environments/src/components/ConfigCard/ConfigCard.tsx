import { InfoCard } from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import {
  ConfigMapSpec,
  environmentSecretWritePermission,
} from '@envmesh/plugin-environments-common';
import Box from '@material-ui/core/Box';
import Chip from '@material-ui/core/Chip';
import List from '@material-ui/core/List';
import ListItem from '@material-ui/core/ListItem';
import ListItemSecondaryAction from '@material-ui/core/ListItemSecondaryAction';
import ListItemText from '@material-ui/core/ListItemText';
import Typography from '@material-ui/core/Typography';
import { dump, load } from 'js-yaml';
import { useState } from 'react';
import { environmentsApiRef } from '../../api';
import {
  Environment,
  Operation,
  UpdateEnvironmentRequest,
} from '../../api/types';
import { usePreviewedSave } from '../../hooks/usePreviewedSave';
import { PermittedButton } from '../PermittedButton';
import { PreviewedYamlEditor } from '../PreviewedYamlEditor';
import { SecretValuesDialog } from '../SecretValuesDialog';

const isMap = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The ConfigMaps as the YAML the editor shows: `{ <name>: { <key>: <value> } }`. */
function configMapsToYaml(configMaps: ConfigMapSpec[]): string {
  if (configMaps.length === 0) {
    return '';
  }
  return dump(Object.fromEntries(configMaps.map(c => [c.name, c.data])));
}

/**
 * The editor's YAML as ConfigMaps; numbers and booleans become strings (ConfigMap data is text), maps and
 * lists are refused with the path of the first one.
 */
export function parseConfigMaps(text: string): ConfigMapSpec[] {
  const doc = load(text);
  if (doc === undefined || doc === null) {
    return [];
  }
  if (!isMap(doc)) {
    throw new Error(
      'ConfigMaps must be a YAML map of ConfigMap names to their data',
    );
  }
  return Object.entries(doc).map(([name, data]) => {
    if (data === null || data === undefined) {
      return { name, data: {} };
    }
    if (!isMap(data)) {
      throw new Error(`${name}: the data must be a map of keys to values`);
    }
    return {
      name,
      data: Object.fromEntries(
        Object.entries(data).map(([key, value]) => {
          if (typeof value === 'object' || value === undefined) {
            throw new Error(
              `${name}.${key}: values must be text, numbers or booleans`,
            );
          }
          return [key, String(value)];
        }),
      ),
    };
  });
}

/**
 * The environment's config: its ConfigMaps, edited as YAML with a diff preview before saving, and its
 * Secrets, whose key names are shown and whose values can only be written, never read.
 */
export const ConfigCard = (props: {
  environment: Environment;
  /** Called with the operation a save started. */
  onSaved?: (operation: Operation) => void;
}) => {
  const { environment, onSaved } = props;
  const { name } = environment;
  const environmentsApi = useApi(environmentsApiRef);
  const [secretDialog, setSecretDialog] = useState<string>();

  // The config field replaces ConfigMaps and Secrets together: the declared Secrets are sent back as they are
  // (key names only), or they would be dropped.
  const toRequest = (text: string): UpdateEnvironmentRequest => ({
    config: {
      configMaps: parseConfigMaps(text),
      secrets: environment.config.secrets.map(secret => ({
        name: secret.name,
        ...(secret.type ? { type: secret.type } : {}),
        keys: secret.keys,
      })),
    },
  });
  const editor = usePreviewedSave({
    initialText: configMapsToYaml(environment.config.configMaps),
    toRequest,
    preview: request => environmentsApi.diffEnvironment(name, request),
    save: request => environmentsApi.updateEnvironment(name, request),
    onSaved,
  });

  const secrets = environment.config.secrets;
  const openSecret = secrets.find(s => s.name === secretDialog);

  return (
    <InfoCard title="Config">
      <Typography variant="subtitle2" gutterBottom>
        ConfigMaps
      </Typography>
      <PreviewedYamlEditor
        environment={name}
        editor={editor}
        id={`environment-${name}-config-maps`}
        label="ConfigMaps (YAML)"
        helperText="One entry per ConfigMap: its name, then its keys and values"
        minRows={4}
        previewLabel="Preview ConfigMaps diff"
        saveLabel="Save ConfigMaps"
      />

      <Box mt={3}>
        <Typography variant="subtitle2">Secrets</Typography>
        <Typography variant="caption" color="textSecondary">
          Write-only: key names are shown, values are never read back.
        </Typography>
        {secrets.length === 0 ? (
          <Typography variant="body2">No secrets declared.</Typography>
        ) : (
          <List dense aria-label="Secrets">
            {secrets.map(secret => (
              <ListItem key={secret.name} disableGutters>
                <ListItemText
                  primary={`${secret.name}${
                    secret.type ? ` (${secret.type})` : ''
                  }`}
                  secondary={
                    <Box
                      component="span"
                      display="flex"
                      flexWrap="wrap"
                      style={{ gap: 4 }}
                    >
                      {secret.keys.map(key => (
                        <Chip
                          key={key}
                          size="small"
                          component="span"
                          label={key}
                        />
                      ))}
                    </Box>
                  }
                  secondaryTypographyProps={{ component: 'div' }}
                />
                <ListItemSecondaryAction>
                  <PermittedButton
                    permission={environmentSecretWritePermission}
                    resourceRef={name}
                    intent="write secret values"
                    size="small"
                    variant="outlined"
                    disabled={secret.keys.length === 0}
                    onClick={() => setSecretDialog(secret.name)}
                    aria-label={`Set values of ${secret.name}`}
                  >
                    Set values
                  </PermittedButton>
                </ListItemSecondaryAction>
              </ListItem>
            ))}
          </List>
        )}
      </Box>
      {openSecret && (
        <SecretValuesDialog
          name={name}
          secret={openSecret}
          onClose={() => setSecretDialog(undefined)}
        />
      )}
    </InfoCard>
  );
};
