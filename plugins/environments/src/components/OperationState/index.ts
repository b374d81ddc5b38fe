export { OperationState } from './OperationState';
