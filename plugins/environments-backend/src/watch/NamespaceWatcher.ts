import { KubernetesObject, V1Pod } from '@kubernetes/client-node';
import type {
  DriftEntry,
  WorkloadStatus,
} from '@envmesh/plugin-environments-common';
import { ObjectRef, RecordedObject } from '../apply/types';
import { DriftTracker, ReleaseBaseline } from './DriftTracker';
import { NamespaceCache, NamespaceCacheOptions } from './NamespaceCache';
import { ReadinessWaiter, WaitOptions } from './ReadinessWaiter';

export type { DriftEntry, WorkloadStatus };

export interface NamespaceWatcherOptions extends NamespaceCacheOptions {
  /** How long status(), drift() and trackInventory() wait for a first sync (default 30 s). */
  syncTimeoutMs?: number;
  /**
   * The releases' objects as recorded by their last apply (from the store), read once when the watcher
   * starts: drift of what was applied before a backend restart is still told. A release tracked by
   * trackInventory in the meantime keeps what that call recorded.
   */
  loadBaselines?: () => Promise<ReleaseBaseline[]>;
}

/**
 * What envmesh knows of one namespace without asking the API server per object: its cache (one watch per
 * kind, see NamespaceCache), the drift of each release against what was applied (DriftTracker), and the
 * readiness of its workloads (ReadinessWaiter). Data flows one way: the cache announces changes, drift and
 * readiness read it.
 */
export class NamespaceWatcher {
  readonly namespace: string;
  readonly #cache: NamespaceCache;
  readonly #drift: DriftTracker;
  readonly #readiness: ReadinessWaiter;

  constructor(options: NamespaceWatcherOptions) {
    const syncTimeoutMs = options.syncTimeoutMs ?? 30_000;
    this.namespace = options.namespace;
    this.#cache = new NamespaceCache(options);
    this.#drift = new DriftTracker({
      cache: this.#cache,
      syncTimeoutMs,
      loadBaselines: options.loadBaselines,
      logger: options.logger,
    });
    this.#readiness = new ReadinessWaiter({
      cache: this.#cache,
      drift: this.#drift,
      kubeConfig: options.kubeConfig,
      syncTimeoutMs,
    });
  }

  /** Starts the watches (once) and loads the baselines; resolves when every workload cache is filled. */
  start(): Promise<void> {
    const started = this.#cache.start();
    void this.#drift.loadBaselines().catch(() => {});
    return started;
  }

  /** Stops every watch; pending waits reject. */
  async stop(): Promise<void> {
    this.#readiness.cancelAll(
      new Error(`watcher of ${this.namespace} stopped`),
    );
    await this.#cache.stop();
  }

  /** The cached object of a watched workload kind (Deployment, StatefulSet, Job, Pod). */
  get(ref: ObjectRef): KubernetesObject | undefined {
    return this.#cache.get(ref);
  }

  /** The cached pods selected by a workload (or the pod itself). */
  podsOf(ref: ObjectRef): V1Pod[] {
    return this.#cache.podsOf(ref);
  }

  /** See ReadinessWaiter.waitReady. */
  waitReady(workloads: ObjectRef[], options: WaitOptions): Promise<void> {
    return this.#readiness.waitReady(workloads, options);
  }

  /** Resolves once check() holds, re-evaluated on every watch event; rejects on timeout or abort. */
  waitUntil(
    check: () => boolean | Promise<boolean>,
    options: WaitOptions,
  ): Promise<void> {
    return this.#readiness.waitUntil(check, options);
  }

  /** Desired against live of each workload, from the cache. */
  status(workloads: ObjectRef[]): Promise<WorkloadStatus[]> {
    return this.#readiness.status(workloads);
  }

  /**
   * Records a release's objects as applied (use ApplyResult.recorded), replacing what was tracked for it, and
   * starts the watches its kinds need. Resolves once those caches are filled.
   */
  trackInventory(release: string, recorded: RecordedObject[]): Promise<void> {
    void this.start().catch(() => {});
    return this.#drift.track(release, recorded);
  }

  /** See DriftTracker.recordGeneration. */
  recordGeneration(ref: ObjectRef, generation: number): void {
    this.#drift.recordGeneration(ref, generation);
  }

  /** Forgets a release's inventory (after it is deleted). */
  untrackInventory(release: string): void {
    this.#drift.untrack(release);
  }

  /** The objects of a tracked release that drifted (see DriftTracker for the rule). */
  drift(release: string): Promise<DriftEntry[]> {
    return this.#drift.drift(release);
  }
}
