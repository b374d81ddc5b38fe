export { TypedDeleteDialog } from './TypedDeleteDialog';
