import { KubeConfig, KubernetesObject } from '@kubernetes/client-node';
import type { WorkloadStatus } from '@envmesh/plugin-environments-common';
import { ObjectRef, formatRef } from '../apply/types';
import { DriftTracker } from './DriftTracker';
import { NamespaceCache } from './NamespaceCache';
import { explainNotReady } from './notReadyReasons';
import {
  Readiness,
  imagesOf,
  readinessOf,
  unschedulableFor,
} from './readiness';

export interface WaitOptions {
  timeoutMs: number;
  signal?: AbortSignal;
  /**
   * A workload whose pods stay Unschedulable this long fails the wait before the timeout (see
   * unschedulableFor); without it only the timeout ends a wait.
   */
  unschedulableGraceMs?: number;
}

/** Thrown by waitReady when workloads are not ready in time (or can no longer become ready). */
export class WorkloadNotReadyError extends Error {
  readonly name = 'WorkloadNotReadyError';

  constructor(
    /** Each unready workload with the reason read from the cluster. */
    readonly workloads: { ref: ObjectRef; reason: string }[],
    /** Since when or why: "after 300000 ms", "and never will be". */
    readonly what: string,
  ) {
    super(
      `${workloads.length} workload(s) not ready ${what}: ${workloads
        .map(w => `${formatRef(w.ref)}: ${w.reason}`)
        .join(' | ')}`,
    );
  }
}

interface Waiter {
  check(): void;
  cancel(error: Error): void;
}

/**
 * Readiness of a namespace's workloads from its cache: waits re-checked on every (coalesced) change the cache
 * announces, and the status of each workload, desired against live.
 */
export class ReadinessWaiter {
  readonly #waiters = new Set<Waiter>();
  #notifyScheduled = false;

  constructor(
    private readonly deps: {
      cache: NamespaceCache;
      drift: DriftTracker;
      kubeConfig: KubeConfig;
      syncTimeoutMs: number;
    },
  ) {
    deps.cache.events.on('changed', () => this.#notify());
  }

  /** Rejects every pending wait (the watcher stops). */
  cancelAll(error: Error) {
    for (const waiter of [...this.#waiters]) waiter.cancel(error);
  }

  /**
   * Resolves when every workload is ready (see readinessOf; kinds other than Deployment, StatefulSet, Job and
   * Pod are ready at once), re-evaluated on watch events. Rejects with a WorkloadNotReadyError naming, per
   * unready workload, the reason read from the cluster, on timeout or as soon as one can no longer become
   * ready (a failed Job); rejects with the signal's reason when aborted.
   */
  async waitReady(workloads: ObjectRef[], options: WaitOptions): Promise<void> {
    const refs = workloads.filter(ref => this.deps.cache.watchedKind(ref));
    refs.forEach(ref => this.deps.cache.checkNamespace(ref));
    if (!refs.length) return;
    options.signal?.throwIfAborted();
    await this.#wait(
      options,
      async () => {
        if (!this.deps.cache.workloadsSynced) return false;
        const failed = refs.filter(ref => this.#readiness(ref).failed);
        if (failed.length) {
          throw new WorkloadNotReadyError(
            await this.#explain(failed),
            'and never will be',
          );
        }
        const grace = options.unschedulableGraceMs;
        // The stuck pods first (mostly none), so that a check costs no selector match per workload and pod.
        const unschedulable = (graceMs: number) => {
          const stuck = new Set(
            this.deps.cache
              .pods()
              .filter(pod => unschedulableFor(pod, graceMs)),
          );
          return stuck.size
            ? refs.filter(
                ref =>
                  !this.#readiness(ref).ready &&
                  this.deps.cache.podsOf(ref).some(pod => stuck.has(pod)),
              )
            : [];
        };
        // Once one is past the grace, every workload that cannot be scheduled is told, not just the first.
        if (grace !== undefined && unschedulable(grace).length) {
          throw new WorkloadNotReadyError(
            await this.#explain(unschedulable(0)),
            `and Unschedulable for over ${Math.round(grace / 1000)} s`,
          );
        }
        return refs.every(ref => this.#readiness(ref).ready);
      },
      async () => {
        const pending = refs.filter(ref => !this.#readiness(ref).ready);
        return new WorkloadNotReadyError(
          await this.#explain(pending),
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
    const object = this.deps.cache.get(ref);
    const applied = this.deps.drift.appliedGeneration(ref);
    if (object && applied && (object.metadata?.generation ?? 0) < applied) {
      return {
        ready: false,
        summary: `generation ${applied} not yet seen by the watch`,
      };
    }
    return readinessOf(this.deps.cache.watchedKind(ref)!, object);
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
    workloads.forEach(ref => this.deps.cache.checkNamespace(ref));
    await this.deps.cache.startWithin(this.deps.syncTimeoutMs);
    return workloads.map(ref => {
      const kind = this.deps.cache.watchedKind(ref);
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
      const object = this.deps.cache.get(ref) as
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

  #explain(refs: ObjectRef[]) {
    return explainNotReady(this.deps.cache, this.deps.kubeConfig, refs);
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
    { timeoutMs, signal, unschedulableGraceMs }: WaitOptions,
    check: () => boolean | Promise<boolean>,
    onTimeout: () => Promise<Error>,
  ): Promise<void> {
    if (this.deps.cache.stopped) {
      return Promise.reject(
        new Error(`watcher of ${this.deps.cache.namespace} stopped`),
      );
    }
    const recheckMs =
      unschedulableGraceMs === undefined
        ? undefined
        : Math.max(500, Math.floor(unschedulableGraceMs / 2));
    return new Promise<void>((resolve, reject) => {
      let settled = false;
      let running = false;
      let again = false;
      const handles: {
        timer?: ReturnType<typeof setTimeout>;
        recheck?: ReturnType<typeof setInterval>;
      } = {};
      let onAbort: () => void = () => {};
      const waiter: Waiter = {
        check: () => {},
        cancel: () => {},
      };
      const finish = (error?: unknown) => {
        if (settled) return;
        settled = true;
        clearTimeout(handles.timer);
        clearInterval(handles.recheck);
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
      // A grace runs out without a watch event: checked again on a clock too.
      if (recheckMs) {
        handles.recheck = setInterval(() => waiter.check(), recheckMs);
      }
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#waiters.add(waiter);
      this.deps.cache.start().then(
        () => waiter.check(),
        error => finish(error),
      );
    });
  }
}
