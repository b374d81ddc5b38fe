import { createExtensionTester } from '@backstage/frontend-test-utils';
import { FormFieldBlueprint } from '@backstage/plugin-scaffolder-react/alpha';
import { environmentsPlugin } from '../alpha/plugin';
import {
  envmeshClusterPickerFormField,
  envmeshServicesPickerFormField,
} from './alpha';
import {
  envmeshClusterPickerField,
  envmeshServicesPickerField,
} from './formFields';

describe('scaffolder form fields (new frontend system)', () => {
  it.each([
    [envmeshServicesPickerFormField, envmeshServicesPickerField],
    [envmeshClusterPickerFormField, envmeshClusterPickerField],
  ])(
    'attach to the scaffolder form fields API and load their field lazily',
    async (extension, field) => {
      const loader = createExtensionTester(extension).get(
        FormFieldBlueprint.dataRefs.formFieldLoader,
      );
      await expect(loader()).resolves.toBe(field);
    },
  );

  it('are extensions of the envmesh plugin', () => {
    for (const name of ['envmesh-services-picker', 'envmesh-cluster-picker']) {
      expect(
        environmentsPlugin.getExtension(
          `scaffolder-form-field:environments/${name}`,
        ),
      ).toBeDefined();
    }
  });
});
