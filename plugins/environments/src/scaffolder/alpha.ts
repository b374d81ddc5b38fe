import { FormFieldBlueprint } from '@backstage/plugin-scaffolder-react/alpha';

/**
 * `ui:field: EnvmeshServicesPicker` for the new frontend system's scaffolder.
 *
 * @alpha
 */
export const envmeshServicesPickerFormField = FormFieldBlueprint.make({
  name: 'envmesh-services-picker',
  params: {
    field: () => import('./formFields').then(m => m.envmeshServicesPickerField),
  },
});

/**
 * `ui:field: EnvmeshClusterPicker` for the new frontend system's scaffolder.
 *
 * @alpha
 */
export const envmeshClusterPickerFormField = FormFieldBlueprint.make({
  name: 'envmesh-cluster-picker',
  params: {
    field: () => import('./formFields').then(m => m.envmeshClusterPickerField),
  },
});
