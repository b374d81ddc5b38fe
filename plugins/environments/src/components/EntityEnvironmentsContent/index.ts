export {
  EntityEnvironmentsContent,
  ServiceReadiness,
  useEntityEnvironments,
  useEnvironmentPath,
} from './EntityEnvironmentsContent';
export type { EntityEnvironmentsContentProps } from './EntityEnvironmentsContent';
