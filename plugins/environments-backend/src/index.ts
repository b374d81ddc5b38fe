export { environmentsPlugin as default } from './plugin';
export { kubernetesModuleEnvmeshClusters } from './clusters';
