export { EnvmeshClusterPicker } from './EnvmeshClusterPicker';
export { EnvmeshClusterPickerFieldSchema } from './schema';
