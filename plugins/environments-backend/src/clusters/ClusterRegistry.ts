import { Config } from '@backstage/config';
import { InputError } from '@backstage/errors';
import {
  KubeConfig,
  RequestContext,
  VersionApi,
} from '@kubernetes/client-node';
import http from 'node:http';
import https from 'node:https';
import { ClusterSummary } from '@envmesh/plugin-environments-common';

/**
 * A KubeConfig whose requests share one keep-alive agent. client-node builds a new agent, so a new TLS
 * connection, for every request; a rollout of hundreds of services spends much of its CPU on handshakes.
 * Proxy agents are left as client-node makes them.
 */
class PooledKubeConfig extends KubeConfig {
  #agent?: http.Agent;

  override async applySecurityAuthentication(context: RequestContext) {
    await super.applySecurityAuthentication(context);
    const agent = this.#pooled(context.getAgent());
    if (agent) context.setAgent(agent);
  }

  override async applyToHTTPSOptions(opts: https.RequestOptions) {
    await super.applyToHTTPSOptions(opts);
    const agent = this.#pooled(opts.agent);
    if (agent) opts.agent = agent;
  }

  #pooled(agent: unknown): http.Agent | undefined {
    const Agent = (agent as object | undefined)?.constructor as
      | typeof http.Agent
      | undefined;
    if (Agent !== https.Agent && Agent !== http.Agent) return undefined;
    if (!this.#agent) {
      const { options } = agent as { options: http.AgentOptions };
      this.#agent = new Agent({ ...options, keepAlive: true });
    }
    return this.#agent;
  }
}

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
    const kc = new PooledKubeConfig();
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
