import { LoggerService } from '@backstage/backend-plugin-api';
import {
  KubeConfig,
  KubernetesListObject,
  KubernetesObject,
  Watch,
} from '@kubernetes/client-node';
import { DynamicClient, isApiStatus } from '../apply/DynamicClient';

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface BackoffOptions {
  /** First delay after a failed list or watch (default 500 ms). */
  initialMs?: number;
  /** Longest delay (default 30 s). */
  maxMs?: number;
}

export interface KindWatchOptions<T> {
  kubeConfig: KubeConfig;
  apiVersion: string;
  kind: string;
  namespace: string;
  labelSelector?: string;
  /** What the cache keeps of each object (everything by default). */
  transform?: (object: KubernetesObject) => T;
  onEvent?: (type: WatchEventType, value: T) => void;
  backoff?: BackoffOptions;
  logger?: LoggerService;
}

const LIST_PAGE = 500;
/** The API server ends each watch after this long; it is resumed from the last resourceVersion. */
const WATCH_TIMEOUT_SECONDS = 300;

/**
 * List-then-watch of one kind in one namespace into an in-memory cache (keyed by name). A closed watch is
 * resumed from the last resourceVersion (bookmarks keep it fresh); an expired one (410 Gone) is re-listed,
 * and the cache reconciled with DELETED events for objects that vanished meanwhile; any other error is
 * retried with exponential backoff.
 */
export class KindWatch<T = KubernetesObject> {
  readonly kind: string;
  readonly apiVersion: string;
  readonly #options: KindWatchOptions<T>;
  readonly #client: DynamicClient;
  readonly #cache = new Map<string, T>();
  #resourceVersion = '';
  #stopped = false;
  #abort?: AbortController;
  #wake?: () => void;
  #synced = false;
  #syncWaiters: { resolve: () => void; reject: (e: Error) => void }[] = [];
  #running?: Promise<void>;
  /** Resolves (to undefined) when stop() is called. */
  readonly #stopping: Promise<undefined>;
  #stopNow: () => void = () => {};

  constructor(options: KindWatchOptions<T>) {
    this.#stopping = new Promise(resolve => {
      this.#stopNow = () => resolve(undefined);
    });
    this.#options = options;
    this.kind = options.kind;
    this.apiVersion = options.apiVersion;
    this.#client = DynamicClient.for(options.kubeConfig);
  }

  /** Whether the first list has completed (the cache reflects the cluster). */
  get synced(): boolean {
    return this.#synced;
  }

  /** Starts the loop (once); resolves when the cache is first filled. */
  start(): Promise<void> {
    if (!this.#running) {
      this.#running = this.#run();
    }
    return this.whenSynced();
  }

  whenSynced(): Promise<void> {
    if (this.#synced) return Promise.resolve();
    if (this.#stopped) return Promise.reject(new Error('watch stopped'));
    return new Promise((resolve, reject) =>
      this.#syncWaiters.push({ resolve, reject }),
    );
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#stopNow();
    this.#abort?.abort();
    this.#wake?.();
    for (const waiter of this.#syncWaiters.splice(0)) {
      waiter.reject(new Error(`watch of ${this.kind} stopped`));
    }
    await this.#running;
  }

  get(name: string): T | undefined {
    return this.#cache.get(name);
  }

  list(): T[] {
    return [...this.#cache.values()];
  }

  async #run(): Promise<void> {
    const { initialMs = 500, maxMs = 30_000 } = this.#options.backoff ?? {};
    let failures = 0;
    while (!this.#stopped) {
      try {
        if (!this.#resourceVersion) await this.#orStop(this.#relist());
        if (this.#stopped) break;
        if (!this.#synced) {
          this.#synced = true;
          for (const waiter of this.#syncWaiters.splice(0)) waiter.resolve();
        }
        const startedAt = Date.now();
        const { error, events } = await this.#watchOnce();
        if (events > 0) failures = 0;
        if (error) throw error;
        if (
          events === 0 &&
          this.#resourceVersion &&
          Date.now() - startedAt < 1000 &&
          !this.#stopped
        ) {
          // Closed at once without a single event: back off rather than spin.
          throw new Error('watch closed immediately');
        }
      } catch (error) {
        if (this.#stopped) break;
        if (isApiStatus(error, 410)) {
          this.#resourceVersion = '';
          continue;
        }
        failures++;
        const delay = Math.min(maxMs, initialMs * 2 ** (failures - 1));
        this.#options.logger?.warn(
          `watch of ${this.kind} in ${
            this.#options.namespace
          } failed, retrying in ${delay} ms: ${
            (error as Error)?.message ?? error
          }`,
        );
        await this.#sleep(delay);
      }
    }
  }

  /**
   * The work's result, or undefined as soon as stop() is called: a request the API server never answers
   * (its headers included) must not hold up stop(). The work is left to settle on its own.
   */
  #orStop<R>(work: Promise<R>): Promise<R | undefined> {
    work.catch(() => {});
    return Promise.race([work, this.#stopping]);
  }

  #sleep(ms: number): Promise<void> {
    return new Promise(resolve => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.#wake = done;
    });
  }

  async #path(): Promise<string> {
    return this.#client.collectionPath(
      this.apiVersion,
      this.kind,
      this.#options.namespace,
    );
  }

  async #relist(): Promise<void> {
    const items: KubernetesObject[] = [];
    let continueToken: string | undefined;
    let resourceVersion = '';
    do {
      const page: KubernetesListObject<KubernetesObject> =
        await this.#client.list(
          this.apiVersion,
          this.kind,
          this.#options.namespace,
          undefined,
          undefined,
          undefined,
          undefined,
          this.#options.labelSelector,
          LIST_PAGE,
          continueToken,
        );
      items.push(...page.items);
      continueToken = page.metadata?._continue || undefined;
      resourceVersion = page.metadata?.resourceVersion ?? '';
    } while (continueToken);
    if (this.#stopped) return;

    const seen = new Set<string>();
    for (const object of items) {
      const name = object.metadata?.name ?? '';
      seen.add(name);
      const existed = this.#cache.has(name);
      this.#store(existed ? 'MODIFIED' : 'ADDED', object);
    }
    for (const [name, value] of [...this.#cache]) {
      if (!seen.has(name)) {
        this.#cache.delete(name);
        this.#options.onEvent?.('DELETED', value);
      }
    }
    this.#resourceVersion = resourceVersion;
  }

  #store(type: WatchEventType, object: KubernetesObject) {
    const name = object.metadata?.name ?? '';
    const value = this.#options.transform
      ? this.#options.transform(object)
      : (object as T);
    if (type === 'DELETED') this.#cache.delete(name);
    else this.#cache.set(name, value);
    this.#options.onEvent?.(type, value);
  }

  /** One watch request; resolves when it ends, with the error that ended it, if any. */
  async #watchOnce(): Promise<{ error: unknown; events: number }> {
    const path = await this.#path();
    const watch = new Watch(this.#options.kubeConfig);
    let ended: (error: unknown) => void = () => {};
    const done = new Promise<unknown>(resolve => {
      ended = resolve;
    });
    let gone = false;
    let events = 0;
    const starting = watch.watch(
      path,
      {
        resourceVersion: this.#resourceVersion,
        allowWatchBookmarks: true,
        timeoutSeconds: WATCH_TIMEOUT_SECONDS,
        labelSelector: this.#options.labelSelector,
      },
      (type: string, object: any) => {
        if (this.#stopped) return;
        if (type === 'ERROR') {
          // A Status object; 410 means the resourceVersion is too old: re-list.
          if (object?.code === 410) gone = true;
          else {
            this.#options.logger?.warn(
              `watch of ${this.kind} in ${this.#options.namespace}: ${
                object?.message
              }`,
            );
          }
          return;
        }
        const resourceVersion = object?.metadata?.resourceVersion;
        if (type === 'ADDED' || type === 'MODIFIED' || type === 'DELETED') {
          this.#store(type, object);
        }
        if (resourceVersion) this.#resourceVersion = resourceVersion;
        events++;
      },
      error => ended(error),
    );
    const controller = await this.#orStop(starting);
    if (!controller) {
      // Stopped before the API server answered: abort the request once it has.
      starting.then(c => c.abort()).catch(() => {});
      return { error: undefined, events };
    }
    this.#abort = controller;
    if (this.#stopped) controller.abort();
    const error = await done;
    this.#abort = undefined;
    if (gone) this.#resourceVersion = '';
    return { error: this.#stopped ? undefined : error ?? undefined, events };
  }
}
