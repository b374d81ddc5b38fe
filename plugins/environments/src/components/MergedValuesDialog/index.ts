export { MergedValuesDialog } from './MergedValuesDialog';
