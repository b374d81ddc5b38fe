export { ClusterStatus } from './ClusterStatus';
