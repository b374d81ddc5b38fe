import { useApi } from '@backstage/core-plugin-api';
import TextField from '@material-ui/core/TextField';
import Typography from '@material-ui/core/Typography';
import { useCallback, useState } from 'react';
import { environmentsApiRef } from '../../api';
import { Environment, Operation } from '../../api/types';
import { OperationDialog } from '../OperationDialog';

/**
 * Sets the image tag one service of an environment runs (`PATCH /environments/{name}` with the services, the
 * others unchanged), then follows the `update` operation.
 */
export const ServiceVersionDialog = (props: {
  environment: Environment;
  service: string;
  /** The image the service's latest revision deployed, for reference. */
  desiredImage?: string;
  onClose: (started?: Operation) => void;
  onFinished?: (operation: Operation) => void;
}) => {
  const { environment, service, desiredImage, onClose, onFinished } = props;
  const environmentsApi = useApi(environmentsApiRef);
  const current = environment.services.find(s => s.name === service);
  const [tag, setTag] = useState(current?.imageTag ?? '');
  const trimmed = tag.trim();

  const submit = useCallback(
    () =>
      environmentsApi.updateEnvironment(environment.name, {
        // The services field replaces the whole list: every other service is sent as it is.
        services: environment.services.map(s =>
          s.name === service ? { ...s, imageTag: trimmed } : s,
        ),
      }),
    [environmentsApi, environment, service, trimmed],
  );

  return (
    <OperationDialog
      open
      title={`Update ${service}`}
      submitLabel="Update"
      canSubmit={trimmed.length > 0 && trimmed !== current?.imageTag}
      onSubmit={submit}
      onFinished={onFinished}
      onClose={onClose}
    >
      <Typography variant="body2" paragraph>
        {desiredImage
          ? `Its latest revision deployed ${desiredImage}.`
          : 'It has not been deployed yet.'}{' '}
        {current?.imageTag
          ? `The environment pins the tag ${current.imageTag}.`
          : 'The environment uses the tag of the service definition.'}
      </Typography>
      <TextField
        id={`service-version-${service}`}
        label="Image tag"
        required
        fullWidth
        margin="dense"
        value={tag}
        onChange={e => setTag(e.target.value)}
      />
    </OperationDialog>
  );
};
