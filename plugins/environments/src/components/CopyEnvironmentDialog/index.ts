export { CopyEnvironmentDialog } from './CopyEnvironmentDialog';
