export { EnvironmentsRoutes } from './EnvironmentsRoutes';
