import { LoggerService } from '@backstage/backend-plugin-api';
import {
  AppsV1Api,
  CoreV1Api,
  KubeConfig,
  KubernetesObject,
  V1Deployment,
  V1Pod,
} from '@kubernetes/client-node';
import type {
  DriftEntry,
  WorkloadStatus,
} from '@envmesh/plugin-environments-common';
import { DynamicClient } from '../apply/DynamicClient';
import { contentHash } from '../apply/fingerprint';
import {
  LABELS,
  MANAGER,
  ObjectRef,
  RecordedObject,
  formatRef,
  groupOf,
  refKey,
} from '../apply/types';
import { BackoffOptions, KindWatch } from './KindWatch';
import {
  WATCHED_WORKLOADS,
  WatchedKind,
  imagesOf,
  matchesSelector,
  podProblems,
  Readiness,
  readinessOf,
  selectorOf,
  summarizePodProblems,
} from './readiness';

export interface NamespaceWatcherOptions {
  kubeConfig: KubeConfig;
  namespace: string;
  /** The cluster's name, for messages. */
  cluster?: string;
  logger?: LoggerService;
  backoff?: BackoffOptions;
  /** How long status(), drift() and trackInventory() wait for a first sync (default 30 s). */
  syncTimeoutMs?: number;
  /**
   * The releases' objects as recorded by their last apply (from the store), read once when the watcher
   * starts: drift of what was applied before a backend restart is still told. A release tracked by
   * trackInventory in the meantime keeps what that call recorded.
   */
  loadBaselines?: () => Promise<ReleaseBaseline[]>;
}

/** A release's objects with the generation or content hash recorded when they were applied. */
export interface ReleaseBaseline {
  release: string;
  recorded: RecordedObject[];
}

export interface WaitOptions {
  timeoutMs: number;
  signal?: AbortSignal;
}

export type { DriftEntry, WorkloadStatus };

/** Thrown by waitReady when workloads are not ready in time (or can no longer become ready). */
export class WorkloadNotReadyError extends Error {
  readonly name = 'WorkloadNotReadyError';

  constructor(
    /** Each unready workload with the reason read from the cluster. */
    readonly workloads: { ref: ObjectRef; reason: string }[],
    what: string,
  ) {
    super(
      `${workloads.length} workload(s) not ready ${what}: ${workloads
        .map(w => `${formatRef(w.ref)}: ${w.reason}`)
        .join(' | ')}`,
    );
  }
}

/** What the cache keeps of tracked (non-workload) objects: no data, only what drift needs. */
interface TrackedState {
  generation?: number;
  hash: string;
  deleting: boolean;
}

interface Waiter {
  check(): void;
  cancel(error: Error): void;
}

/** Resolves to the promise's value, or to `fallback` after timeoutMs (a rejection counts as the fallback). */
async function withTimeout<T>(
  promise: Promise<T>,
  timeoutMs: number,
  fallback: T,
): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<T>(resolve => {
    timer = setTimeout(() => resolve(fallback), timeoutMs);
  });
  try {
    return await Promise.race([promise.catch(() => fallback), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

const WORKLOAD_GROUPS: Record<WatchedKind, string> = {
  Deployment: 'apps',
  StatefulSet: 'apps',
  Job: 'batch',
  Pod: '',
};

/**
 * One list-then-watch per kind (Deployments, StatefulSets, Jobs, Pods) for one namespace, with an in-memory
 * cache that answers readiness, status and drift without asking the API server per object.
 *
 * Drift rule: an object of a tracked inventory has drifted when it is gone from the namespace (deleted out of
 * band, or its `app.kubernetes.io/managed-by: envmesh` label removed), when it is being deleted, when its
 * metadata.generation is greater than the one recorded after the apply (any spec change: `kubectl scale`,
 * `kubectl edit`, an HPA), or, for ConfigMaps, Secrets, Services and kinds without a generation, when the
 * hash of its content (see contentHash) differs from the recorded one. Only objects in this namespace are
 * tracked (cluster-scoped objects and objects in other namespaces are not); kinds other than the four
 * workload kinds get their own watch, limited to objects labelled managed-by envmesh, once an inventory
 * holding them is tracked (until that watch has synced, e.g. when listing the kind is forbidden, its objects
 * are not reported). Labels and annotations are not compared. Call trackInventory again after every apply,
 * with the new records: envmesh's own re-apply moves the generation too. The records of releases applied
 * before this process started come from `loadBaselines` (the store), so a restart loses no drift.
 */
export class NamespaceWatcher {
  readonly namespace: string;
  readonly #options: NamespaceWatcherOptions;
  readonly #workloads = new Map<WatchedKind, KindWatch>();
  readonly #tracked = new Map<string, KindWatch<TrackedState>>();
  readonly #unserved = new Set<string>();
  readonly #inventories = new Map<string, RecordedObject[]>();
  /** Releases tracked or untracked since the baselines began loading: the load must not overwrite them. */
  readonly #touched = new Set<string>();
  #baselines?: Promise<void>;
  readonly #waiters = new Set<Waiter>();
  readonly #syncTimeoutMs: number;
  #notifyScheduled = false;
  #started?: Promise<void>;
  #stopped = false;

  constructor(options: NamespaceWatcherOptions) {
    this.#options = options;
    this.namespace = options.namespace;
    this.#syncTimeoutMs = options.syncTimeoutMs ?? 30_000;
    for (const { apiVersion, kind } of WATCHED_WORKLOADS) {
      this.#workloads.set(
        kind,
        this.#newWatch<KubernetesObject>(apiVersion, kind),
      );
    }
  }

  /** Starts the watches (once) and loads the baselines; resolves when every workload cache is filled. */
  start(): Promise<void> {
    if (this.#stopped) return Promise.reject(new Error('watcher stopped'));
    if (!this.#started) {
      this.#started = Promise.all(
        [...this.#workloads.values()].map(w => w.start()),
      ).then(() => this.#notify());
      void this.#loadBaselines().catch(() => {});
    }
    return this.#started;
  }

  /**
   * Tracks the stored baselines of the releases nobody tracked yet (once; a failed load is tried again on
   * the next drift read).
   */
  #loadBaselines(): Promise<void> {
    const load = this.#options.loadBaselines;
    if (!load) return Promise.resolve();
    if (!this.#baselines) {
      this.#baselines = load().then(
        async baselines => {
          await Promise.all(
            baselines
              .filter(({ release }) => !this.#touched.has(release))
              .map(({ release, recorded }) => this.#track(release, recorded)),
          );
        },
        error => {
          this.#baselines = undefined;
          this.#options.logger?.warn(
            `could not load the recorded inventories of ${this.namespace}: ${error}`,
          );
          throw error;
        },
      );
    }
    return this.#baselines;
  }

  /** Stops every watch; pending waits reject. */
  async stop(): Promise<void> {
    this.#stopped = true;
    for (const waiter of [...this.#waiters]) {
      waiter.cancel(new Error(`watcher of ${this.namespace} stopped`));
    }
    await Promise.all(
      [...this.#workloads.values(), ...this.#tracked.values()].map(w =>
        w.stop(),
      ),
    );
  }

  /** The cached object of a watched workload kind (Deployment, StatefulSet, Job, Pod). */
  get(ref: ObjectRef): KubernetesObject | undefined {
    const kind = this.#watchedKind(ref);
    return kind ? this.#workloads.get(kind)!.get(ref.name) : undefined;
  }

  /** The cached pods selected by a workload (or the pod itself). */
  podsOf(ref: ObjectRef): V1Pod[] {
    const kind = this.#watchedKind(ref);
    const object = this.get(ref);
    if (!kind || !object) return [];
    if (kind === 'Pod') return [object as V1Pod];
    const selector = selectorOf(object);
    return (this.#workloads.get('Pod')!.list() as V1Pod[]).filter(pod =>
      matchesSelector(selector, pod.metadata?.labels),
    );
  }

  /**
   * Resolves when every workload is ready (see readinessOf; kinds other than Deployment, StatefulSet, Job and
   * Pod are ready at once), re-evaluated on watch events. Rejects with a WorkloadNotReadyError naming, per
   * unready workload, the reason read from the cluster, on timeout or as soon as one can no longer become
   * ready (a failed Job); rejects with the signal's reason when aborted.
   */
  async waitReady(workloads: ObjectRef[], options: WaitOptions): Promise<void> {
    const refs = workloads.filter(ref => this.#watchedKind(ref));
    refs.forEach(ref => this.#checkNamespace(ref));
    if (!refs.length) return;
    options.signal?.throwIfAborted();
    await this.#wait(
      options,
      async () => {
        if (!this.#workloadsSynced()) return false;
        const failed = refs.filter(ref => this.#readiness(ref).failed);
        if (failed.length) {
          throw new WorkloadNotReadyError(
            await this.#explainAll(failed),
            'and never will be',
          );
        }
        return refs.every(ref => this.#readiness(ref).ready);
      },
      async () => {
        const pending = refs.filter(ref => !this.#readiness(ref).ready);
        return new WorkloadNotReadyError(
          await this.#explainAll(pending),
          `after ${options.timeoutMs} ms`,
        );
      },
    );
  }

  /**
   * readinessOf the cached object, which is not ready while the cache still holds a generation older than
   * the one envmesh applied: the watch event of an apply can arrive after the apply returns, and the old
   * object's status would otherwise read as ready.
   */
  #readiness(ref: ObjectRef): Readiness {
    const object = this.get(ref);
    const applied = this.#appliedGeneration(ref);
    if (object && applied && (object.metadata?.generation ?? 0) < applied) {
      return {
        ready: false,
        summary: `generation ${applied} not yet seen by the watch`,
      };
    }
    return readinessOf(this.#watchedKind(ref)!, object);
  }

  /** The newest generation recorded for an object by the tracked inventories. */
  #appliedGeneration(ref: ObjectRef): number | undefined {
    const key = refKey({ ...ref, namespace: ref.namespace ?? this.namespace });
    let newest: number | undefined;
    for (const recorded of this.#inventories.values()) {
      for (const record of recorded) {
        if (record.generation !== undefined && refKey(record) === key) {
          newest = Math.max(newest ?? 0, record.generation);
        }
      }
    }
    return newest;
  }

  /** Resolves once check() holds, re-evaluated on every watch event; rejects on timeout or abort. */
  async waitUntil(
    check: () => boolean | Promise<boolean>,
    options: WaitOptions,
  ): Promise<void> {
    await this.#wait(
      options,
      check,
      async () => new Error(`condition not met after ${options.timeoutMs} ms`),
    );
  }

  /** Desired against live of each workload, from the cache. */
  async status(workloads: ObjectRef[]): Promise<WorkloadStatus[]> {
    workloads.forEach(ref => this.#checkNamespace(ref));
    await this.#startWithin(this.#syncTimeoutMs);
    return workloads.map(ref => {
      const kind = this.#watchedKind(ref);
      if (!kind) {
        return {
          ref,
          found: true,
          desiredReplicas: 0,
          readyReplicas: 0,
          images: [],
          ready: true,
          summary: 'not a watched workload kind',
        };
      }
      const object = this.get(ref) as
        | (KubernetesObject & {
            spec?: { replicas?: number; completions?: number };
            status?: {
              readyReplicas?: number;
              succeeded?: number;
            };
          })
        | undefined;
      const readiness = readinessOf(kind, object);
      if (!object) {
        return {
          ref,
          found: false,
          desiredReplicas: 0,
          readyReplicas: 0,
          images: [],
          ready: false,
          summary: readiness.summary,
        };
      }
      let desiredReplicas = object.spec?.replicas ?? 1;
      let readyReplicas = object.status?.readyReplicas ?? 0;
      if (kind === 'Job') {
        desiredReplicas = object.spec?.completions ?? 1;
        readyReplicas = object.status?.succeeded ?? 0;
      } else if (kind === 'Pod') {
        desiredReplicas = 1;
        readyReplicas = readiness.ready ? 1 : 0;
      }
      return {
        ref,
        found: true,
        desiredReplicas,
        readyReplicas,
        images: imagesOf(kind, object),
        ready: readiness.ready,
        summary: readiness.summary,
      };
    });
  }

  /**
   * Records a release's objects as applied (use ApplyResult.recorded), replacing what was tracked for it, and
   * starts the watches its kinds need. Resolves once those caches are filled.
   */
  async trackInventory(
    release: string,
    recorded: RecordedObject[],
  ): Promise<void> {
    this.#touched.add(release);
    await this.#track(release, recorded);
  }

  async #track(release: string, recorded: RecordedObject[]): Promise<void> {
    const mine = recorded.filter(r => r.namespace === this.namespace);
    this.#inventories.set(release, mine);
    const client = DynamicClient.for(this.#options.kubeConfig);
    const waits: Promise<void>[] = [this.start()];
    for (const ref of mine) {
      if (this.#watchedKind(ref)) continue;
      const key = `${groupOf(ref.apiVersion)}/${ref.kind}`;
      let watch = this.#tracked.get(key);
      if (!watch) {
        const served = await client.resourceFor(ref.apiVersion, ref.kind);
        // A release tracked at the same time may have started the kind's watch meanwhile.
        watch = this.#tracked.get(key);
        if (!watch && !served) {
          this.#unserved.add(key);
          continue;
        }
      }
      if (!watch) {
        this.#unserved.delete(key);
        watch = this.#newWatch<TrackedState>(
          ref.apiVersion,
          ref.kind,
          `${LABELS.managedBy}=${MANAGER}`,
          object => ({
            generation: object.metadata?.generation,
            hash: contentHash(object),
            deleting: !!object.metadata?.deletionTimestamp,
          }),
        );
        this.#tracked.set(key, watch);
        if (this.#stopped) continue;
      }
      waits.push(watch.start());
    }
    const synced = await withTimeout(
      Promise.all(waits).then(() => true),
      this.#syncTimeoutMs,
      false,
    );
    if (!synced) {
      this.#options.logger?.warn(
        `watches for release ${release} in ${
          this.namespace
        } have not synced within ${
          this.#syncTimeoutMs
        } ms; drift of their objects is not reported until they do`,
      );
    }
  }

  /**
   * Records a generation envmesh itself gave a tracked object outside an apply (a sleep or wake scaling it),
   * so that it is not reported as drift.
   */
  recordGeneration(ref: ObjectRef, generation: number): void {
    const key = refKey(ref);
    for (const recorded of this.#inventories.values()) {
      for (const record of recorded) {
        if (record.generation !== undefined && refKey(record) === key) {
          record.generation = generation;
        }
      }
    }
  }

  /** Forgets a release's inventory (after it is deleted). */
  untrackInventory(release: string): void {
    this.#touched.add(release);
    this.#inventories.delete(release);
  }

  /** The objects of a tracked release that drifted (see the class comment for the rule). */
  async drift(release: string): Promise<DriftEntry[]> {
    await this.#startWithin(this.#syncTimeoutMs);
    await withTimeout(this.#loadBaselines(), this.#syncTimeoutMs, undefined);
    const recorded = this.#inventories.get(release) ?? [];
    const entries: DriftEntry[] = [];
    for (const record of recorded) {
      const ref: ObjectRef = {
        apiVersion: record.apiVersion,
        kind: record.kind,
        namespace: record.namespace,
        name: record.name,
      };
      const live = this.#liveState(record);
      if (live === 'unknown') {
        // Its kind's watch has not synced (e.g. not allowed to list it): nothing can be told.
        continue;
      } else if (live === 'unserved') {
        entries.push({
          ref,
          change: 'deleted',
          detail: `the cluster no longer serves ${record.apiVersion} ${record.kind}`,
        });
      } else if (!live) {
        entries.push({
          ref,
          change: 'deleted',
          detail:
            'deleted out of band (or no longer labelled managed-by envmesh)',
        });
      } else if (live.deleting) {
        entries.push({ ref, change: 'deleted', detail: 'being deleted' });
      } else if (record.hash !== undefined && live.hash() !== record.hash) {
        entries.push({
          ref,
          change: 'modified',
          detail: 'content changed since envmesh applied it',
        });
      } else if (
        record.generation !== undefined &&
        (live.generation ?? 0) > record.generation
      ) {
        entries.push({
          ref,
          change: 'modified',
          detail: `generation ${live.generation} is past ${record.generation}, the one envmesh applied`,
        });
      }
    }
    return entries;
  }

  #liveState(
    record: RecordedObject,
  ):
    | { generation?: number; hash(): string; deleting: boolean }
    | undefined
    | 'unserved'
    | 'unknown' {
    if (this.#watchedKind(record)) {
      const object = this.get(record);
      if (!object) return undefined;
      return {
        generation: object.metadata?.generation,
        hash: () => contentHash(object),
        deleting: !!object.metadata?.deletionTimestamp,
      };
    }
    const key = `${groupOf(record.apiVersion)}/${record.kind}`;
    const watch = this.#tracked.get(key);
    if (!watch) return this.#unserved.has(key) ? 'unserved' : undefined;
    if (!watch.synced) return 'unknown';
    const state = watch.get(record.name);
    if (!state) return undefined;
    return { ...state, hash: () => state.hash };
  }

  #newWatch<T>(
    apiVersion: string,
    kind: string,
    labelSelector?: string,
    transform?: (object: KubernetesObject) => T,
  ): KindWatch<T> {
    return new KindWatch<T>({
      kubeConfig: this.#options.kubeConfig,
      apiVersion,
      kind,
      namespace: this.namespace,
      labelSelector,
      transform,
      backoff: this.#options.backoff,
      logger: this.#options.logger,
      onEvent: () => this.#notify(),
    });
  }

  #watchedKind(ref: ObjectRef): WatchedKind | undefined {
    const kind = ref.kind as WatchedKind;
    return WORKLOAD_GROUPS[kind] !== undefined &&
      WORKLOAD_GROUPS[kind] === groupOf(ref.apiVersion)
      ? kind
      : undefined;
  }

  #checkNamespace(ref: ObjectRef) {
    if (ref.namespace && ref.namespace !== this.namespace) {
      throw new Error(
        `${formatRef(ref)} is not in namespace ${
          this.namespace
        }, which this watcher watches`,
      );
    }
  }

  /** start(), but giving up (with an error) after timeoutMs. */
  async #startWithin(timeoutMs: number): Promise<void> {
    const started = this.start().then(() => true);
    if (!(await withTimeout(started, timeoutMs, false))) {
      throw new Error(
        `the watches of namespace ${this.namespace}${
          this.#options.cluster ? ` in cluster ${this.#options.cluster}` : ''
        } have not synced within ${timeoutMs} ms (is the cluster reachable?)`,
      );
    }
  }

  #workloadsSynced(): boolean {
    return [...this.#workloads.values()].every(w => w.synced);
  }

  /** Coalesces watch events: waiters are re-checked once per burst. */
  #notify() {
    if (this.#notifyScheduled) return;
    this.#notifyScheduled = true;
    setImmediate(() => {
      this.#notifyScheduled = false;
      for (const waiter of [...this.#waiters]) waiter.check();
    });
  }

  /**
   * Runs check on every (coalesced) event until it returns true (resolve) or throws (reject); on timeout
   * rejects with onTimeout's error, on abort with the signal's reason.
   */
  #wait(
    { timeoutMs, signal }: WaitOptions,
    check: () => boolean | Promise<boolean>,
    onTimeout: () => Promise<Error>,
  ): Promise<void> {
    if (this.#stopped) {
      return Promise.reject(new Error(`watcher of ${this.namespace} stopped`));
    }
    return new Promise<void>((resolve, reject) => {
      let settled = false;
      let running = false;
      let again = false;
      const handles: { timer?: ReturnType<typeof setTimeout> } = {};
      let onAbort: () => void = () => {};
      const waiter: Waiter = {
        check: () => {},
        cancel: () => {},
      };
      const finish = (error?: unknown) => {
        if (settled) return;
        settled = true;
        clearTimeout(handles.timer);
        this.#waiters.delete(waiter);
        signal?.removeEventListener('abort', onAbort);
        if (error) reject(error);
        else resolve();
      };
      const run = async () => {
        if (settled) return;
        if (running) {
          again = true;
          return;
        }
        running = true;
        try {
          do {
            again = false;
            if (await check()) {
              finish();
              return;
            }
          } while (again && !settled);
        } catch (error) {
          finish(error);
        } finally {
          running = false;
        }
      };
      waiter.check = () => void run();
      waiter.cancel = error => finish(error);
      onAbort = () =>
        finish(
          signal?.reason instanceof Error
            ? signal.reason
            : new Error('wait aborted'),
        );
      handles.timer = setTimeout(() => {
        onTimeout().then(
          error => finish(error),
          error => finish(error),
        );
      }, timeoutMs);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#waiters.add(waiter);
      this.start().then(
        () => waiter.check(),
        error => finish(error),
      );
    });
  }

  async #explainAll(
    refs: ObjectRef[],
  ): Promise<{ ref: ObjectRef; reason: string }[]> {
    return Promise.all(
      refs.map(async ref => ({ ref, reason: await this.#explain(ref) })),
    );
  }

  /** Why a workload is not ready, from the cache, plus (when it has no pods) its controller's conditions and events. */
  async #explain(ref: ObjectRef): Promise<string> {
    const kind = this.#watchedKind(ref)!;
    if (!this.#workloadsSynced()) {
      return 'the namespace watch has not synced (is the cluster reachable?)';
    }
    const object = this.get(ref);
    if (!object) return `not found in namespace ${this.namespace}`;
    const readiness = readinessOf(kind, object);
    const parts = [readiness.failed ?? readiness.summary];
    if (kind === 'Pod') {
      parts.push(...podProblems(object as V1Pod));
      return parts.join('; ');
    }
    const pods = this.podsOf(ref).filter(p => !p.metadata?.deletionTimestamp);
    if (pods.length) {
      parts.push(...summarizePodProblems(pods));
    } else {
      parts.push(...(await this.#noPodsReasons(kind, object)));
    }
    return parts.join('; ');
  }

  /**
   * Why a workload has no pods: the Deployment's and its newest ReplicaSet's failure conditions, else the
   * Warning events of the workload (and ReplicaSet), e.g. FailedCreate from a quota or admission webhook.
   */
  async #noPodsReasons(
    kind: WatchedKind,
    object: KubernetesObject,
  ): Promise<string[]> {
    const reasons: string[] = [];
    const uids = [object.metadata?.uid];
    try {
      if (kind === 'Deployment') {
        const deployment = object as V1Deployment;
        for (const c of deployment.status?.conditions ?? []) {
          if (
            (c.type === 'ReplicaFailure' && c.status === 'True') ||
            (c.type === 'Progressing' && c.status === 'False')
          ) {
            reasons.push(`${c.type}: ${c.message ?? c.reason}`);
          }
        }
        const apps = this.#options.kubeConfig.makeApiClient(AppsV1Api);
        const sets = (
          await apps.listNamespacedReplicaSet({ namespace: this.namespace })
        ).items.filter(rs =>
          rs.metadata?.ownerReferences?.some(
            o => o.uid === deployment.metadata?.uid,
          ),
        );
        const revision = (rs: {
          metadata?: { annotations?: Record<string, string> };
        }) =>
          Number(
            rs.metadata?.annotations?.['deployment.kubernetes.io/revision'] ??
              0,
          );
        const newest = sets.sort((a, b) => revision(b) - revision(a))[0];
        if (newest) {
          uids.push(newest.metadata?.uid);
          for (const c of newest.status?.conditions ?? []) {
            if (c.type === 'ReplicaFailure' && c.status === 'True') {
              reasons.push(
                `ReplicaSet ${newest.metadata?.name}: ${c.message ?? c.reason}`,
              );
            }
          }
        }
      }
      if (!reasons.length) {
        const core = this.#options.kubeConfig.makeApiClient(CoreV1Api);
        for (const uid of uids.filter(Boolean)) {
          const events = await core.listNamespacedEvent({
            namespace: this.namespace,
            fieldSelector: `involvedObject.uid=${uid},type=Warning`,
          });
          const time = (e: { lastTimestamp?: Date; eventTime?: Date }) =>
            new Date(e.lastTimestamp ?? e.eventTime ?? 0).getTime();
          const latest = events.items
            .sort((a, b) => time(a) - time(b))
            .slice(-3);
          for (const event of latest) {
            reasons.push(
              `${event.involvedObject.kind} ${event.involvedObject.name}: ${event.reason}: ${event.message}`,
            );
          }
        }
      }
    } catch (error) {
      reasons.push(
        `(could not read more details: ${(error as Error)?.message ?? error})`,
      );
    }
    if (!reasons.length) reasons.push('no pods created yet');
    return reasons;
  }
}
