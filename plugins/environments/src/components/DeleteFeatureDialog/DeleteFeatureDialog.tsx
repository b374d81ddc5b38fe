import { useApi } from '@backstage/core-plugin-api';
import { useCallback } from 'react';
import { environmentsApiRef } from '../../api';
import { Operation } from '../../api/types';
import { TypedDeleteDialog } from '../TypedDeleteDialog';

/**
 * Deletes a feature branch (its instances and routes; the base environment stays) once the user typed its
 * name; then follows the `remove-feature` operation.
 */
export const DeleteFeatureDialog = (props: {
  name: string;
  environment: string;
  onClose: (started?: Operation) => void;
  onFinished?: (operation: Operation) => void;
}) => {
  const { name, environment, onClose, onFinished } = props;
  const environmentsApi = useApi(environmentsApiRef);
  const submit = useCallback(
    () => environmentsApi.deleteFeature(name),
    [environmentsApi, name],
  );

  return (
    <TypedDeleteDialog
      name={name}
      label="Feature branch name"
      consequence={`This removes the feature branch ${name}: its instances and its routes in ${environment}, whose services then answer every request.`}
      onSubmit={submit}
      onFinished={onFinished}
      onClose={onClose}
    />
  );
};
