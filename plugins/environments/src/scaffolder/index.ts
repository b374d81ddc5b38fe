export {
  EnvmeshClusterPickerFieldExtension,
  EnvmeshServicesPickerFieldExtension,
} from './extensions';
export { EnvmeshClusterPickerFieldSchema } from './EnvmeshClusterPicker';
export { EnvmeshServicesPickerFieldSchema } from './EnvmeshServicesPicker';
export type { EnvmeshServicesPickerUiOptions } from './EnvmeshServicesPicker';
