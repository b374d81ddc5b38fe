import { Config } from '@backstage/config';
import { InputError } from '@backstage/errors';
import { KubeConfig, VersionApi } from '@kubernetes/client-node';
import { ClusterSummary } from '@envmesh/plugin-environments-common';

interface ClusterEntry {
  summary: ClusterSummary;
  kubeConfig: KubeConfig;
}

/**
 * The clusters envmesh can deploy to, read from the Kubernetes plugin's `kubernetes.clusterLocatorMethods`
 * (entries of type `config`), so a portal configures each cluster once. A cluster authenticates with its
 * `serviceAccountToken`, or, without one, with the user of the local kubeconfig (KUBECONFIG or ~/.kube/config).
 */
export class ClusterRegistry {
  readonly #clusters: Map<string, ClusterEntry>;

  static fromConfig(config: Config): ClusterRegistry {
    const clusters = new Map<string, ClusterEntry>();
    const methods =
      config.getOptionalConfigArray('kubernetes.clusterLocatorMethods') ?? [];
    for (const method of methods) {
      if (method.getString('type') !== 'config') continue;
      for (const cluster of method.getOptionalConfigArray('clusters') ?? []) {
        const name = cluster.getString('name');
        const url = cluster.getString('url');
        clusters.set(name, {
          summary: {
            name,
            url,
            ...(cluster.has('title')
              ? { title: cluster.getString('title') }
              : {}),
          },
          kubeConfig: ClusterRegistry.#kubeConfigFor(cluster, name, url),
        });
      }
    }
    return new ClusterRegistry(clusters);
  }

  static #kubeConfigFor(cluster: Config, name: string, server: string) {
    const kc = new KubeConfig();
    const token = cluster.getOptionalString('serviceAccountToken');
    let user: { name: string; token?: string } = { name: 'envmesh', token };
    if (!token) {
      // The local kubeconfig's current user, for a developer's own cluster.
      const local = new KubeConfig();
      local.loadFromDefault();
      const localUser = local.getCurrentUser();
      if (localUser) user = { ...localUser, name: 'envmesh' };
    }
    const caData = cluster.getOptionalString('caData');
    const caFile = cluster.getOptionalString('caFile');
    kc.loadFromOptions({
      clusters: [
        {
          name,
          server,
          skipTLSVerify: cluster.getOptionalBoolean('skipTLSVerify') ?? false,
          ...(caData ? { caData } : {}),
          ...(caFile ? { caFile } : {}),
        },
      ],
      users: [user],
      contexts: [{ name, cluster: name, user: user.name }],
      currentContext: name,
    });
    return kc;
  }

  private constructor(clusters: Map<string, ClusterEntry>) {
    this.#clusters = clusters;
  }

  list(): ClusterSummary[] {
    return [...this.#clusters.values()].map(c => c.summary);
  }

  /** The client config of a cluster; an unknown name is the caller's input error. */
  kubeConfig(name: string, field = 'cluster'): KubeConfig {
    const entry = this.#clusters.get(name);
    if (!entry) {
      const known = [...this.#clusters.keys()].join(', ') || 'none';
      throw new InputError(
        `${field}: unknown cluster '${name}' (configured: ${known})`,
      );
    }
    return entry.kubeConfig;
  }

  /** Asks the cluster's API server for its version: reachable and authenticated, or the reason not. */
  async status(
    name: string,
  ): Promise<{ reachable: boolean; version?: string; error?: string }> {
    try {
      const info = await this.kubeConfig(name)
        .makeApiClient(VersionApi)
        .getCode();
      return { reachable: true, version: info.gitVersion };
    } catch (error) {
      if (error instanceof InputError) throw error;
      return {
        reachable: false,
        error: String((error as Error).message ?? error),
      };
    }
  }
}
