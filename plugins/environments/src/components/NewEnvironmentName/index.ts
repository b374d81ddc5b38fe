export { useNewEnvironmentName } from './useNewEnvironmentName';
