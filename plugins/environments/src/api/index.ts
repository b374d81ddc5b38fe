export { environmentsApiRef } from './EnvironmentsApi';
export type {
  ClusterStatus,
  CostPeriod,
  EnvironmentsApi,
} from './EnvironmentsApi';
export { EnvironmentsClient } from './EnvironmentsClient';
export type * from './types';
