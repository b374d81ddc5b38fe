import { useApi } from '@backstage/core-plugin-api';
import LinearProgress from '@material-ui/core/LinearProgress';
import TextField from '@material-ui/core/TextField';
import { useEffect } from 'react';
import useAsync from 'react-use/esm/useAsync';
import { environmentsApiRef } from '../../api';
import { errorMessage } from '../../lib/errorMessage';
import { EnvmeshClusterPickerFieldSchema } from './schema';

/**
 * A scaffolder field that picks one of the clusters envmesh deploys to (`kubernetes.clusterLocatorMethods`).
 * With a single cluster and no value yet, it picks that one.
 */
export const EnvmeshClusterPicker = (
  props: typeof EnvmeshClusterPickerFieldSchema.TProps,
) => {
  const {
    schema: { title = 'Cluster', description },
    formData,
    onChange,
    rawErrors,
    required,
    disabled,
    idSchema,
  } = props;
  const environmentsApi = useApi(environmentsApiRef);
  const { value, loading, error } = useAsync(
    async () => (await environmentsApi.listClusters()).items,
    [environmentsApi],
  );

  useEffect(() => {
    if (value?.length === 1 && !formData) onChange(value[0].name);
  }, [value, formData, onChange]);

  let helperText = description;
  if (error) {
    helperText = `Could not load the clusters: ${errorMessage(error)}`;
  } else if (value && !value.length) {
    helperText =
      'No clusters configured: envmesh uses the clusters of kubernetes.clusterLocatorMethods in the app config.';
  } else if (formData && value && !value.some(c => c.name === formData)) {
    helperText = `There is no cluster named ${formData}.`;
  }

  return (
    <>
      <TextField
        id={idSchema?.$id ?? 'cluster'}
        select
        fullWidth
        margin="normal"
        label={title}
        required={required}
        disabled={disabled || loading}
        value={formData ?? ''}
        onChange={event => onChange(event.target.value)}
        error={
          Boolean(error) ||
          Boolean(rawErrors?.length) ||
          Boolean(formData && value && !value.some(c => c.name === formData))
        }
        helperText={helperText}
        SelectProps={{ native: true }}
        InputLabelProps={{ shrink: true }}
      >
        <option value="" disabled>
          {loading ? 'Loading clusters…' : 'Pick a cluster'}
        </option>
        {/* A value the list does not have (such as a default) stays visible, marked by the error above. */}
        {formData && !value?.some(c => c.name === formData) && (
          <option value={formData}>{formData}</option>
        )}
        {value?.map(cluster => (
          <option key={cluster.name} value={cluster.name}>
            {cluster.title
              ? `${cluster.title} (${cluster.name})`
              : cluster.name}
          </option>
        ))}
      </TextField>
      {loading && <LinearProgress />}
    </>
  );
};
