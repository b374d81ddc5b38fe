export {
  EntityEnvironmentsContent,
  ServiceReadiness,
  useEntityEnvironments,
} from './EntityEnvironmentsContent';
export type { EntityEnvironmentsContentProps } from './EntityEnvironmentsContent';
