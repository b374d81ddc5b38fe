export { EnvironmentsContent } from './EnvironmentsContent';
