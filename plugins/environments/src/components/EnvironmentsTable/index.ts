export { EnvironmentsTable } from './EnvironmentsTable';
export { EnvironmentNameCell } from './EnvironmentNameCell';
