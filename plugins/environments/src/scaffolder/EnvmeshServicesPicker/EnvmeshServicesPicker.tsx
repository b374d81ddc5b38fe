import { parseEntityRef } from '@backstage/catalog-model';
import { Progress } from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import Checkbox from '@material-ui/core/Checkbox';
import FormControl from '@material-ui/core/FormControl';
import FormControlLabel from '@material-ui/core/FormControlLabel';
import FormGroup from '@material-ui/core/FormGroup';
import FormHelperText from '@material-ui/core/FormHelperText';
import FormLabel from '@material-ui/core/FormLabel';
import { useEffect } from 'react';
import useAsync from 'react-use/esm/useAsync';
import { environmentsApiRef } from '../../api';
import { errorMessage } from '../../lib/errorMessage';
import { EnvmeshServicesPickerFieldSchema } from './schema';

/** The environment name in a form value: an entity ref (`resource:default/demo-dev`) or a bare name. */
function environmentName(value: unknown): string | undefined {
  if (typeof value !== 'string' || !value) return undefined;
  try {
    return parseEntityRef(value, {
      defaultKind: 'resource',
      defaultNamespace: 'default',
    }).name;
  } catch {
    return undefined;
  }
}

/**
 * A scaffolder field that picks services, as checkboxes: those of the service registry, or, when
 * `ui:options.environmentField` names a form field that holds an environment, that environment's services.
 * Its value is the list of picked service names; picks the list no longer has are dropped.
 */
export const EnvmeshServicesPicker = (
  props: typeof EnvmeshServicesPickerFieldSchema.TProps,
) => {
  const {
    schema: { title = 'Services', description },
    uiSchema,
    formData,
    formContext,
    onChange,
    rawErrors,
    required,
    disabled,
    idSchema,
  } = props;
  const environmentsApi = useApi(environmentsApiRef);
  const environmentField = uiSchema?.['ui:options']?.environmentField;
  const environment = environmentField
    ? environmentName(formContext?.formData?.[environmentField])
    : undefined;

  const { value, loading, error } = useAsync(async () => {
    if (environment) {
      const env = await environmentsApi.getEnvironment(environment);
      return env.services.map(s => s.name).sort();
    }
    const { items } = await environmentsApi.listServices();
    return items.map(s => s.name).sort();
  }, [environmentsApi, environment]);

  const selected = formData ?? [];
  useEffect(() => {
    if (!value) return;
    const kept = selected.filter(name => value.includes(name));
    if (kept.length !== selected.length) onChange(kept);
    // Only a new list of services can make a pick stale.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [value]);

  const toggle = (name: string, checked: boolean) =>
    onChange(
      checked
        ? [...selected.filter(s => s !== name), name]
        : selected.filter(s => s !== name),
    );

  let content;
  if (loading) {
    content = <Progress />;
  } else if (error) {
    content = (
      <FormHelperText error>
        Could not load the services
        {environment ? ` of environment ${environment}` : ''}:{' '}
        {errorMessage(error)}
      </FormHelperText>
    );
  } else if (!value?.length) {
    content = (
      <FormHelperText>
        {environment
          ? `Environment ${environment} has no services.`
          : 'The service registry has no services; import them on the environments page.'}
      </FormHelperText>
    );
  } else {
    content = (
      <FormGroup>
        {value.map(name => (
          <FormControlLabel
            key={name}
            label={name}
            control={
              <Checkbox
                id={`${idSchema?.$id ?? 'services'}-${name}`}
                checked={selected.includes(name)}
                disabled={disabled}
                onChange={(_, checked) => toggle(name, checked)}
              />
            }
          />
        ))}
      </FormGroup>
    );
  }

  return (
    <FormControl
      component="fieldset"
      margin="normal"
      required={required}
      error={Boolean(rawErrors?.length)}
    >
      <FormLabel component="legend">{title}</FormLabel>
      {description && (
        <FormHelperText>
          {environment
            ? `${description} (services of environment ${environment})`
            : description}
        </FormHelperText>
      )}
      {content}
      {rawErrors?.map(message => (
        <FormHelperText key={message} error>
          {message}
        </FormHelperText>
      ))}
    </FormControl>
  );
};
