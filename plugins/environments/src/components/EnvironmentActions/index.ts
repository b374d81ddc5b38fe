export { EnvironmentActions } from './EnvironmentActions';
