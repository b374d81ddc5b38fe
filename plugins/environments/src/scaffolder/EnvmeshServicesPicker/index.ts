export { EnvmeshServicesPicker } from './EnvmeshServicesPicker';
export { EnvmeshServicesPickerFieldSchema } from './schema';
export type { EnvmeshServicesPickerUiOptions } from './schema';
