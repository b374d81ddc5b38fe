import {
  createBackendModule,
  createServiceFactory,
  createServiceRef,
} from '@backstage/backend-plugin-api';
import {
  KubernetesClustersSupplier,
  kubernetesClusterSupplierExtensionPoint,
} from '@backstage/plugin-kubernetes-node';

/**
 * The Kubernetes plugin's own cluster supplier, handed to envmesh within one backend. The Kubernetes plugin
 * exposes it only to its modules, so envmeshClustersModule offers it here and the environments plugin reads it.
 */
export interface KubernetesPluginClusters {
  offer(supplier: KubernetesClustersSupplier): void;
  /** The supplier, once the Kubernetes plugin has built it; undefined without the module. */
  supplier(): KubernetesClustersSupplier | undefined;
}

/** Root scope: one per backend, shared by the Kubernetes and environments plugins. */
export const kubernetesPluginClustersServiceRef =
  createServiceRef<KubernetesPluginClusters>({
    id: 'envmesh.kubernetes-plugin-clusters',
    scope: 'root',
    defaultFactory: async service =>
      createServiceFactory({
        service,
        deps: {},
        factory() {
          let offered: KubernetesClustersSupplier | undefined;
          return {
            offer: supplier => {
              offered = supplier;
            },
            supplier: () => offered,
          };
        },
      }),
  });

/**
 * Lets envmesh deploy to every cluster the Kubernetes plugin knows, by every `clusterLocatorMethods` type it
 * reads (`config`, `catalog`, `gke`, `localKubectlProxy`): the plugin's default supplier is passed through
 * unchanged, and envmesh lists its clusters too. Without this module envmesh reads only the `config` and
 * `localKubectlProxy` locators itself.
 *
 * @public
 */
export const kubernetesModuleEnvmeshClusters = createBackendModule({
  pluginId: 'kubernetes',
  moduleId: 'envmesh-clusters',
  register(reg) {
    reg.registerInit({
      deps: {
        clusterSupplier: kubernetesClusterSupplierExtensionPoint,
        shared: kubernetesPluginClustersServiceRef,
      },
      async init({ clusterSupplier, shared }) {
        clusterSupplier.addClusterSupplier(async ({ getDefault }) => {
          const supplier = await getDefault();
          shared.offer(supplier);
          return supplier;
        });
      },
    });
  },
});
