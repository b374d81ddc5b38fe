export { EnvironmentServicesTable } from './EnvironmentServicesTable';
