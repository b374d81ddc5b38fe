import { LoggerService } from '@backstage/backend-plugin-api';
import { KubeConfig } from '@kubernetes/client-node';
import { BackoffOptions } from './KindWatch';
import { ReleaseBaseline } from './DriftTracker';
import { NamespaceWatcher } from './NamespaceWatcher';

export interface NamespaceWatchersOptions {
  /** The client config of a cluster by name (e.g. ClusterSupplier.kubeConfig). */
  kubeConfigFor: (cluster: string) => KubeConfig;
  logger?: LoggerService;
  backoff?: BackoffOptions;
  /** See NamespaceWatcherOptions.syncTimeoutMs. */
  syncTimeoutMs?: number;
  /** The recorded inventories of the releases in a namespace (see NamespaceWatcherOptions.loadBaselines). */
  baselinesFor?: (
    cluster: string,
    namespace: string,
  ) => Promise<ReleaseBaseline[]>;
}

/**
 * The namespace watchers of every (cluster, namespace) envmesh deploys to: one each, started on first use,
 * kept until stopped.
 */
export class NamespaceWatchers {
  readonly #options: NamespaceWatchersOptions;
  readonly #watchers = new Map<string, NamespaceWatcher>();

  constructor(options: NamespaceWatchersOptions) {
    this.#options = options;
  }

  /** The watcher of a namespace, created and started (in the background) on first use. */
  forNamespace(cluster: string, namespace: string): NamespaceWatcher {
    const key = `${cluster}\u0000${namespace}`;
    let watcher = this.#watchers.get(key);
    if (!watcher) {
      watcher = new NamespaceWatcher({
        kubeConfig: this.#options.kubeConfigFor(cluster),
        namespace,
        cluster,
        logger: this.#options.logger?.child({ cluster, namespace }),
        backoff: this.#options.backoff,
        syncTimeoutMs: this.#options.syncTimeoutMs,
        loadBaselines: this.#options.baselinesFor
          ? () => this.#options.baselinesFor!(cluster, namespace)
          : undefined,
      });
      this.#watchers.set(key, watcher);
      // Failures are retried inside; a stop before the first sync rejects, which nobody needs to hear here.
      watcher.start().catch(() => {});
    }
    return watcher;
  }

  /** The watcher of a namespace if one runs. */
  get(cluster: string, namespace: string): NamespaceWatcher | undefined {
    return this.#watchers.get(`${cluster}\u0000${namespace}`);
  }

  /** Stops and forgets the watcher of a namespace (e.g. after its environment is deleted). */
  async stop(cluster: string, namespace: string): Promise<void> {
    const key = `${cluster}\u0000${namespace}`;
    const watcher = this.#watchers.get(key);
    this.#watchers.delete(key);
    await watcher?.stop();
  }

  async stopAll(): Promise<void> {
    const watchers = [...this.#watchers.values()];
    this.#watchers.clear();
    await Promise.all(watchers.map(w => w.stop()));
  }
}
