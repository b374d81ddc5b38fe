import { createScaffolderFieldExtension } from '@backstage/plugin-scaffolder-react';
import { environmentsPlugin } from '../plugin';
import {
  EnvmeshClusterPicker,
  EnvmeshClusterPickerFieldSchema,
} from './EnvmeshClusterPicker';
import {
  EnvmeshServicesPicker,
  EnvmeshServicesPickerFieldSchema,
} from './EnvmeshServicesPicker';
import { validateCluster } from './validation';

/*
 * Field extensions for the legacy frontend system, provided by the envmesh plugin itself (a frontend plugin
 * does not import another one, so not through `scaffolderPlugin.provide`). Put them inside
 * `<ScaffolderFieldExtensions>` of the app's scaffolder route.
 */

/**
 * `ui:field: EnvmeshServicesPicker`: services of the registry, or of the environment in the form field that
 * `ui:options.environmentField` names.
 *
 * @public
 */
export const EnvmeshServicesPickerFieldExtension = environmentsPlugin.provide(
  createScaffolderFieldExtension({
    name: 'EnvmeshServicesPicker',
    component: EnvmeshServicesPicker,
    schema: EnvmeshServicesPickerFieldSchema.schema,
  }),
);

/**
 * `ui:field: EnvmeshClusterPicker`: one of the clusters envmesh deploys to.
 *
 * @public
 */
export const EnvmeshClusterPickerFieldExtension = environmentsPlugin.provide(
  createScaffolderFieldExtension({
    name: 'EnvmeshClusterPicker',
    component: EnvmeshClusterPicker,
    validation: validateCluster,
    schema: EnvmeshClusterPickerFieldSchema.schema,
  }),
);
