export { ServiceVersionDialog } from './ServiceVersionDialog';
