export { DeleteFeatureDialog } from './DeleteFeatureDialog';
