export {
  EnvmeshClusterPickerFieldExtension,
  EnvmeshServicesPickerFieldExtension,
} from './extensions';
export {
  EnvmeshClusterPicker,
  EnvmeshClusterPickerFieldSchema,
} from './EnvmeshClusterPicker';
export {
  EnvmeshServicesPicker,
  EnvmeshServicesPickerFieldSchema,
} from './EnvmeshServicesPicker';
export type { EnvmeshServicesPickerUiOptions } from './EnvmeshServicesPicker';
