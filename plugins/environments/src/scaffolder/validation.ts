import { CustomFieldValidator } from '@backstage/plugin-scaffolder-react';
import { environmentsApiRef } from '../api';

/** Rejects a cluster the backend does not list, before the task is started. */
export const validateCluster: CustomFieldValidator<string> = async (
  value,
  validation,
  { apiHolder },
) => {
  const api = apiHolder.get(environmentsApiRef);
  if (!value || !api) return;
  const { items } = await api.listClusters();
  if (!items.some(cluster => cluster.name === value)) {
    validation.addError(
      `there is no cluster named '${value}'; pick one of ${
        items.map(c => c.name).join(', ') || 'none configured'
      }`,
    );
  }
};
