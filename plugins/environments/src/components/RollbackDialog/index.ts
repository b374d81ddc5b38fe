export { RollbackDialog } from './RollbackDialog';
