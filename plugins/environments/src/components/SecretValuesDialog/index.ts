export { SecretValuesDialog } from './SecretValuesDialog';
