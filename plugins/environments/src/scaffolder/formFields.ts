import { createFormField } from '@backstage/plugin-scaffolder-react/alpha';
import {
  EnvmeshClusterPicker,
  EnvmeshClusterPickerFieldSchema,
} from './EnvmeshClusterPicker';
import {
  EnvmeshServicesPicker,
  EnvmeshServicesPickerFieldSchema,
} from './EnvmeshServicesPicker';
import { validateCluster } from './validation';

/** The form fields of the new frontend system, loaded lazily by their FormFieldBlueprint extensions. */
export const envmeshServicesPickerField = createFormField({
  name: 'EnvmeshServicesPicker',
  component: EnvmeshServicesPicker,
  schema: EnvmeshServicesPickerFieldSchema,
});

export const envmeshClusterPickerField = createFormField({
  name: 'EnvmeshClusterPicker',
  component: EnvmeshClusterPicker,
  validation: validateCluster,
  schema: EnvmeshClusterPickerFieldSchema,
});
