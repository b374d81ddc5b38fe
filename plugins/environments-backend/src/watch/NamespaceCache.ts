import { EventEmitter } from 'node:events';
import { LoggerService } from '@backstage/backend-plugin-api';
import { KubeConfig, KubernetesObject, V1Pod } from '@kubernetes/client-node';
import { DynamicClient } from '../apply/DynamicClient';
import { contentHash } from '../apply/fingerprint';
import {
  LABELS,
  MANAGER,
  ObjectRef,
  RecordedObject,
  formatRef,
  groupOf,
} from '../apply/types';
import { BackoffOptions, KindWatch } from './KindWatch';
import {
  WATCHED_WORKLOADS,
  WatchedKind,
  matchesSelector,
  selectorOf,
} from './readiness';

/** What the cache keeps of tracked (non-workload) objects: no data, only what drift needs. */
interface TrackedState {
  generation?: number;
  hash: string;
  deleting: boolean;
}

/** An object's live state as drift compares it; `unknown` while its kind's watch has not synced. */
export type LiveState =
  | { generation?: number; hash(): string; deleting: boolean }
  | undefined
  | 'unserved'
  | 'unknown';

export interface NamespaceCacheEvents {
  /** Something in the namespace changed (a watch event, or the watches synced). */
  changed: [];
}

const WORKLOAD_GROUPS: Record<WatchedKind, string> = {
  Deployment: 'apps',
  StatefulSet: 'apps',
  Job: 'batch',
  Pod: '',
};

/**
 * A workload as the cache keeps it: without its managed fields (often a third of it, read by no readiness or
 * drift rule), which at thousands of pods is much of the backend's memory.
 */
function withoutManagedFields(object: KubernetesObject): KubernetesObject {
  if (!object.metadata?.managedFields) return object;
  const { managedFields: _managedFields, ...metadata } = object.metadata;
  return { ...object, metadata };
}

/** Resolves to the promise's value, or to `fallback` after timeoutMs (a rejection counts as the fallback). */
export async function withTimeout<T>(
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

/**
 * The informer cache of one namespace: one list-then-watch per workload kind (Deployments, StatefulSets, Jobs,
 * Pods), plus one per other kind a tracked release holds, limited to objects labelled managed-by envmesh
 * (until that watch has synced, e.g. when listing the kind is forbidden, its objects are `unknown`). Emits
 * `changed` on every watch event, for readiness waits to re-check.
 */
export class NamespaceCache {
  readonly namespace: string;
  readonly events = new EventEmitter<NamespaceCacheEvents>();
  readonly #options: NamespaceCacheOptions;
  readonly #workloads = new Map<WatchedKind, KindWatch>();
  readonly #tracked = new Map<string, KindWatch<TrackedState>>();
  readonly #unserved = new Set<string>();
  #started?: Promise<void>;
  #stopped = false;

  constructor(options: NamespaceCacheOptions) {
    this.#options = options;
    this.namespace = options.namespace;
    for (const { apiVersion, kind } of WATCHED_WORKLOADS) {
      this.#workloads.set(
        kind,
        this.#newWatch<KubernetesObject>(
          apiVersion,
          kind,
          undefined,
          withoutManagedFields,
        ),
      );
    }
  }

  get stopped(): boolean {
    return this.#stopped;
  }

  /** Starts the workload watches (once); resolves when every workload cache is filled. */
  start(): Promise<void> {
    if (this.#stopped) return Promise.reject(new Error('watcher stopped'));
    if (!this.#started) {
      this.#started = Promise.all(
        [...this.#workloads.values()].map(w => w.start()),
      ).then(() => {
        this.events.emit('changed');
      });
    }
    return this.#started;
  }

  /** start(), but giving up (with an error naming the namespace and cluster) after timeoutMs. */
  async startWithin(timeoutMs: number): Promise<void> {
    const started = this.start().then(() => true);
    if (!(await withTimeout(started, timeoutMs, false))) {
      throw new Error(
        `the watches of namespace ${this.namespace}${
          this.#options.cluster ? ` in cluster ${this.#options.cluster}` : ''
        } have not synced within ${timeoutMs} ms (is the cluster reachable?)`,
      );
    }
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    await Promise.all(
      [...this.#workloads.values(), ...this.#tracked.values()].map(w =>
        w.stop(),
      ),
    );
  }

  /** Whether every workload watch has listed its kind. */
  get workloadsSynced(): boolean {
    return [...this.#workloads.values()].every(w => w.synced);
  }

  /** The workload kind of a ref, when it is one of the four watched from the start. */
  watchedKind(ref: ObjectRef): WatchedKind | undefined {
    const kind = ref.kind as WatchedKind;
    return WORKLOAD_GROUPS[kind] !== undefined &&
      WORKLOAD_GROUPS[kind] === groupOf(ref.apiVersion)
      ? kind
      : undefined;
  }

  /** Throws for an object of another namespace: this cache cannot answer for it. */
  checkNamespace(ref: ObjectRef) {
    if (ref.namespace && ref.namespace !== this.namespace) {
      throw new Error(
        `${formatRef(ref)} is not in namespace ${
          this.namespace
        }, which this watcher watches`,
      );
    }
  }

  /** The cached object of a watched workload kind (Deployment, StatefulSet, Job, Pod). */
  get(ref: ObjectRef): KubernetesObject | undefined {
    const kind = this.watchedKind(ref);
    return kind ? this.#workloads.get(kind)!.get(ref.name) : undefined;
  }

  /** Every cached pod of the namespace. */
  pods(): V1Pod[] {
    return this.#workloads.get('Pod')!.list() as V1Pod[];
  }

  /** The cached pods selected by a workload (or the pod itself). */
  podsOf(ref: ObjectRef): V1Pod[] {
    const kind = this.watchedKind(ref);
    const object = this.get(ref);
    if (!kind || !object) return [];
    if (kind === 'Pod') return [object as V1Pod];
    const selector = selectorOf(object);
    return this.pods().filter(pod =>
      matchesSelector(selector, pod.metadata?.labels),
    );
  }

  /**
   * Starts the watches the kinds of these objects need (kinds the cluster does not serve are remembered as
   * such); resolves when they have synced.
   */
  async watchKindsOf(objects: RecordedObject[]): Promise<void> {
    const client = DynamicClient.for(this.#options.kubeConfig);
    const waits: Promise<void>[] = [this.start()];
    for (const ref of objects) {
      if (this.watchedKind(ref)) continue;
      const key = kindKey(ref);
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
    await Promise.all(waits);
  }

  /** An object's live state as drift compares it. */
  liveState(record: RecordedObject): LiveState {
    if (this.watchedKind(record)) {
      const object = this.get(record);
      if (!object) return undefined;
      return {
        generation: object.metadata?.generation,
        hash: () => contentHash(object),
        deleting: !!object.metadata?.deletionTimestamp,
      };
    }
    const key = kindKey(record);
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
      onEvent: () => this.events.emit('changed'),
    });
  }
}

export interface NamespaceCacheOptions {
  kubeConfig: KubeConfig;
  namespace: string;
  /** The cluster's name, for messages. */
  cluster?: string;
  logger?: LoggerService;
  backoff?: BackoffOptions;
}

function kindKey(ref: ObjectRef): string {
  return `${groupOf(ref.apiVersion)}/${ref.kind}`;
}
