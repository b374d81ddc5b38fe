export { OperationsCard } from './OperationsCard';
