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
  it('attach to the scaffolder form fields API and load their field lazily', async () => {
    const services = createExtensionTester(envmeshServicesPickerFormField).get(
      FormFieldBlueprint.dataRefs.formFieldLoader,
    );
    const cluster = createExtensionTester(envmeshClusterPickerFormField).get(
      FormFieldBlueprint.dataRefs.formFieldLoader,
    );

    await expect(services()).resolves.toBe(envmeshServicesPickerField);
    await expect(cluster()).resolves.toBe(envmeshClusterPickerField);
  });

  it('are extensions of the envmesh plugin', () => {
    const ids = [
      'scaffolder-form-field:environments/envmesh-services-picker',
      'scaffolder-form-field:environments/envmesh-cluster-picker',
    ] as const;
    for (const id of ids) {
      expect(environmentsPlugin.getExtension(id)).toBeDefined();
    }
  });
});
