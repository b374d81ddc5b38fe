import type { EnvironmentsClusterSupplier } from '@envmesh/plugin-environments-node';

export { ClusterRegistry } from './ClusterRegistry';
export type { KubernetesPluginFollow } from './ClusterRegistry';
export {
  kubernetesModuleEnvmeshClusters,
  kubernetesPluginClustersServiceRef,
} from './kubernetesPluginClusters';
/** The clusters environments run in, as every part but the composition root sees them. */
export type ClusterSupplier = EnvironmentsClusterSupplier;
