import {
  AuthService,
  LoggerService,
  SchedulerService,
  SchedulerServiceTaskScheduleDefinition,
} from '@backstage/backend-plugin-api';
import { Config } from '@backstage/config';
import { InputError, ServiceUnavailableError } from '@backstage/errors';
import { ANNOTATION_KUBERNETES_AUTH_PROVIDER } from '@backstage/plugin-kubernetes-common';
import type {
  ClusterDetails,
  KubernetesCredential,
} from '@backstage/plugin-kubernetes-node';
import {
  ApiConstructor,
  ApiType,
  KubeConfig,
  RequestContext,
  ServerConfiguration,
  VersionApi,
  createConfiguration,
} from '@kubernetes/client-node';
import http from 'node:http';
import https from 'node:https';
import { ClusterSummary } from '@envmesh/plugin-environments-common';
import { clusterAuthFor } from './clusterAuth';
import { Http2Library } from './Http2Library';
import type { KubernetesPluginClusters } from './kubernetesPluginClusters';

/**
 * A KubeConfig whose API clients share one connection to the cluster: with `http2`, an HTTPS API server's
 * requests are streams on one HTTP/2 connection (see Http2Library); otherwise, and for what client-node sends
 * itself (watches), requests share one keep-alive agent. client-node builds a new agent, so a new TLS
 * connection, for every request; a rollout of hundreds of services spends much of its CPU on handshakes.
 * Proxy agents are left as client-node makes them.
 */
class PooledKubeConfig extends KubeConfig {
  #agent?: http.Agent;
  readonly #http2?: Http2Library;

  /** `credential`: each request's, from the cluster's auth strategy (which caches and refreshes it). */
  constructor(
    private readonly credential: () => Promise<KubernetesCredential>,
    options: { http2: boolean },
  ) {
    super();
    if (options.http2) this.#http2 = new Http2Library();
  }

  override makeApiClient<T extends ApiType>(ApiClient: ApiConstructor<T>): T {
    const server = this.getCurrentCluster()?.server;
    if (!this.#http2 || !server?.startsWith('https:')) {
      return super.makeApiClient(ApiClient);
    }
    return new ApiClient(
      createConfiguration({
        baseServer: new ServerConfiguration(server, {}),
        authMethods: { default: this },
        httpApi: this.#http2,
      }),
    );
  }

  /** Closes the cluster's connections (it was replaced or removed). */
  close() {
    this.#http2?.close();
    this.#agent?.destroy();
  }

  async #useCredential() {
    const credential = await this.credential();
    this.users[0] = {
      name: this.users[0].name,
      ...(credential.type === 'bearer token' && { token: credential.token }),
      ...(credential.type === 'x509 client certificate' && {
        certData: Buffer.from(credential.cert).toString('base64'),
        keyData: Buffer.from(credential.key).toString('base64'),
      }),
    };
  }

  override async applySecurityAuthentication(context: RequestContext) {
    await this.#useCredential();
    await super.applySecurityAuthentication(context);
    const agent = this.#pooled(context.getAgent());
    if (agent) context.setAgent(agent);
  }

  override async applyToHTTPSOptions(opts: https.RequestOptions) {
    await this.#useCredential();
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

/** The cluster a `localKubectlProxy` locator stands for, as the Kubernetes plugin defines it. */
const LOCAL_KUBECTL_PROXY: ClusterDetails = {
  name: 'local',
  url: 'http://127.0.0.1:8001',
  authMetadata: { [ANNOTATION_KUBERNETES_AUTH_PROVIDER]: 'localKubectlProxy' },
};

/** A `config` locator's clusters, with the auth metadata the Kubernetes plugin reads from them. */
function configClusters(method: Config): ClusterDetails[] {
  return (method.getOptionalConfigArray('clusters') ?? []).map(cluster => {
    const optional = (key: string) => cluster.getOptionalString(key);
    const metadata =
      cluster.getOptional<Record<string, string>>('authMetadata');
    const authProvider =
      metadata?.[ANNOTATION_KUBERNETES_AUTH_PROVIDER] ??
      optional('authProvider') ??
      'serviceAccount';
    const token = optional('serviceAccountToken');
    return {
      name: cluster.getString('name'),
      url: cluster.getString('url'),
      ...(optional('title') ? { title: optional('title') } : {}),
      skipTLSVerify: cluster.getOptionalBoolean('skipTLSVerify') ?? false,
      caData: optional('caData'),
      caFile: optional('caFile'),
      authMetadata: {
        [ANNOTATION_KUBERNETES_AUTH_PROVIDER]: authProvider,
        ...(token ? { serviceAccountToken: token } : {}),
        ...(optional('assumeRole')
          ? { 'kubernetes.io/aws-assume-role': optional('assumeRole')! }
          : {}),
        ...(optional('externalId')
          ? { 'kubernetes.io/aws-external-id': optional('externalId')! }
          : {}),
        ...metadata,
      },
    };
  });
}

/** The clusters a locator of the Kubernetes plugin's config names; undefined for a type envmesh does not read. */
function locatorClusters(
  type: string,
  method: Config,
): ClusterDetails[] | undefined {
  if (type === 'config') return configClusters(method);
  if (type === 'localKubectlProxy') return [LOCAL_KUBECTL_PROXY];
  return undefined;
}

interface ClusterEntry {
  summary: ClusterSummary;
  kubeConfig?: PooledKubeConfig;
  /** The details it was built from: an entry whose details did not change keeps its agent. */
  key: string;
}

/** Follows the Kubernetes plugin's clusters, when its supplier is offered (see kubernetesModuleEnvmeshClusters). */
export interface KubernetesPluginFollow {
  clusters: KubernetesPluginClusters;
  auth: AuthService;
  scheduler: SchedulerService;
  /** How often its clusters are read again: catalog clusters come and go. */
  frequency: SchedulerServiceTaskScheduleDefinition['frequency'];
}

/**
 * The clusters envmesh can deploy to, read from the Kubernetes plugin's `kubernetes.clusterLocatorMethods`, so
 * a portal configures each cluster once: through the Kubernetes plugin's own supplier (every locator type)
 * when kubernetesModuleEnvmeshClusters offers it, else the `config` and `localKubectlProxy` locators read here.
 * Each authenticates with the Kubernetes plugin's own strategy for its `authProvider` (see clusterAuthFor); a
 * cluster that cannot authenticate is listed as unavailable with the reason, never reached with the host's
 * own kubeconfig.
 */
export class ClusterRegistry {
  #clusters = new Map<string, ClusterEntry>();
  readonly #deps: { config: Config; logger: LoggerService };
  /** environments.clusters.http2, read once: every cluster's requests over one HTTP/2 connection. */
  readonly #http2: boolean;

  static fromConfig(
    config: Config,
    options: {
      logger: LoggerService;
      kubernetesPlugin?: KubernetesPluginFollow;
    },
  ): ClusterRegistry {
    const { logger, kubernetesPlugin } = options;
    const registry = new ClusterRegistry({ config, logger });
    const found: ClusterDetails[] = [];
    const unread: string[] = [];
    for (const method of config.getOptionalConfigArray(
      'kubernetes.clusterLocatorMethods',
    ) ?? []) {
      const type = method.getString('type');
      const clusters = locatorClusters(type, method);
      if (clusters) found.push(...clusters);
      else unread.push(type);
    }
    registry.#replace(found);
    if (kubernetesPlugin) registry.#follow(kubernetesPlugin, unread);
    else if (unread.length) registry.#warnUnread(unread);
    return registry;
  }

  private constructor(deps: { config: Config; logger: LoggerService }) {
    this.#deps = deps;
    this.#http2 =
      deps.config.getOptionalBoolean('environments.clusters.http2') ?? false;
  }

  #warnUnread(types: string[]) {
    this.#deps.logger.warn(
      `kubernetes.clusterLocatorMethods of type ${types
        .map(t => `'${t}'`)
        .join(
          ', ',
        )} are read through the Kubernetes plugin: add kubernetesModuleEnvmeshClusters from @envmesh/plugin-environments-backend to the backend to deploy to their clusters`,
    );
  }

  /** Takes the Kubernetes plugin's clusters on a schedule, once its module has offered its supplier. */
  #follow(follow: KubernetesPluginFollow, unread: string[]) {
    let warned = false;
    follow.scheduler
      .scheduleTask({
        id: 'environments-clusters',
        scope: 'local',
        frequency: follow.frequency,
        timeout: { minutes: 1 },
        fn: async () => {
          const supplier = follow.clusters.supplier();
          if (!supplier) {
            if (unread.length && !warned) this.#warnUnread(unread);
            warned = true;
            return;
          }
          const credentials = await follow.auth.getOwnServiceCredentials();
          this.#replace(await supplier.getClusters({ credentials }));
        },
      })
      .catch(error =>
        this.#deps.logger.error(
          `cannot follow the Kubernetes plugin's clusters: ${error}`,
        ),
      );
  }

  /** The clusters now known; one whose details did not change keeps its client config and connections. */
  #replace(found: ClusterDetails[]) {
    const next = new Map<string, ClusterEntry>();
    for (const details of found) {
      const key = JSON.stringify(details);
      const current = this.#clusters.get(details.name);
      next.set(
        details.name,
        current?.key === key ? current : this.#entry(details, key),
      );
    }
    for (const [name, entry] of this.#clusters) {
      if (next.get(name) !== entry) entry.kubeConfig?.close();
    }
    this.#clusters = next;
  }

  #entry(details: ClusterDetails, key: string): ClusterEntry {
    const auth = clusterAuthFor(details, this.#deps);
    return {
      key,
      summary: {
        name: details.name,
        url: details.url,
        ...(details.title ? { title: details.title } : {}),
        ...('unavailable' in auth ? { unavailable: auth.unavailable } : {}),
      },
      ...('strategy' in auth
        ? {
            kubeConfig: kubeConfigFor(
              details,
              () => auth.strategy.getCredential(details, {}),
              { http2: this.#http2 },
            ),
          }
        : {}),
    };
  }

  list(): ClusterSummary[] {
    return [...this.#clusters.values()].map(c => c.summary);
  }

  /**
   * The client config of a cluster; an unknown name is the caller's input error, a cluster that cannot
   * authenticate a 503 with the reason.
   */
  kubeConfig(name: string, field = 'cluster'): KubeConfig {
    const entry = this.#clusters.get(name);
    if (!entry) {
      const known = [...this.#clusters.keys()].join(', ') || 'none';
      throw new InputError(
        `${field}: unknown cluster '${name}' (configured: ${known})`,
      );
    }
    if (!entry.kubeConfig) {
      throw new ServiceUnavailableError(
        `cluster '${name}' is unavailable: ${entry.summary.unavailable}`,
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
      // Unavailable, or not reached: the reason either way.
      return {
        reachable: false,
        error: String((error as Error).message ?? error),
      };
    }
  }
}

function kubeConfigFor(
  details: ClusterDetails,
  credential: () => Promise<KubernetesCredential>,
  options: { http2: boolean },
): PooledKubeConfig {
  const kc = new PooledKubeConfig(credential, options);
  const { name, url, caData, caFile } = details;
  kc.loadFromOptions({
    clusters: [
      {
        name,
        server: url,
        // client-node refuses plain HTTP unless told to skip TLS checks; a kubectl proxy has no TLS to check.
        skipTLSVerify:
          (details.skipTLSVerify ?? false) || url.startsWith('http:'),
        ...(caData ? { caData } : {}),
        ...(caFile ? { caFile } : {}),
      },
    ],
    users: [{ name: 'envmesh' }],
    contexts: [{ name, cluster: name, user: 'envmesh' }],
    currentContext: name,
  });
  return kc;
}
