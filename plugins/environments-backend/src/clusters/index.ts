import type { EnvironmentsClusterSupplier } from '@envmesh/plugin-environments-node';

export { ClusterRegistry } from './ClusterRegistry';
/** The clusters environments run in, as every part but the composition root sees them. */
export type ClusterSupplier = EnvironmentsClusterSupplier;
