import { LoggerService } from '@backstage/backend-plugin-api';
import type { DriftEntry } from '@envmesh/plugin-environments-common';
import { ObjectRef, RecordedObject, refKey } from '../apply/types';
import { NamespaceCache, withTimeout } from './NamespaceCache';

/** A release's objects with the generation or content hash recorded when they were applied. */
export interface ReleaseBaseline {
  release: string;
  recorded: RecordedObject[];
}

/**
 * What each release of a namespace looked like when envmesh applied it, and what of it drifted since, told
 * from the namespace's cache.
 *
 * Drift rule: an object of a tracked inventory has drifted when it is gone from the namespace (deleted out of
 * band, or its `app.kubernetes.io/managed-by: envmesh` label removed), when it is being deleted, when its
 * metadata.generation is greater than the one recorded after the apply (any spec change: `kubectl scale`,
 * `kubectl edit`, an HPA), or, for ConfigMaps, Secrets, Services and kinds without a generation, when the
 * hash of its content (see contentHash) differs from the recorded one. Only objects in this namespace are
 * tracked. Labels and annotations are not compared. `track` is called again after every apply, with the new
 * records: envmesh's own re-apply moves the generation too. The records of releases applied before this
 * process started come from `loadBaselines` (the store), so a restart loses no drift.
 */
export class DriftTracker {
  readonly #inventories = new Map<string, RecordedObject[]>();
  /**
   * The same records by object (refKey), over every release: readiness asks for an object's applied
   * generation on every watch event, which must not scan the whole namespace's inventories.
   */
  readonly #byObject = new Map<string, RecordedObject[]>();
  /** Releases tracked or untracked since the baselines began loading: the load must not overwrite them. */
  readonly #touched = new Set<string>();
  #baselines?: Promise<void>;

  constructor(
    private readonly deps: {
      cache: NamespaceCache;
      syncTimeoutMs: number;
      loadBaselines?: () => Promise<ReleaseBaseline[]>;
      logger?: LoggerService;
    },
  ) {}

  /**
   * Tracks the stored baselines of the releases nobody tracked yet (once; a failed load is tried again on
   * the next drift read).
   */
  loadBaselines(): Promise<void> {
    const load = this.deps.loadBaselines;
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
          this.deps.logger?.warn(
            `could not load the recorded inventories of ${this.deps.cache.namespace}: ${error}`,
          );
          throw error;
        },
      );
    }
    return this.#baselines;
  }

  /** Records a release's objects as applied, replacing what was tracked for it; resolves once their kinds are watched. */
  async track(release: string, recorded: RecordedObject[]): Promise<void> {
    this.#touched.add(release);
    await this.#track(release, recorded);
  }

  async #track(release: string, recorded: RecordedObject[]): Promise<void> {
    const { cache, syncTimeoutMs, logger } = this.deps;
    const mine = recorded.filter(r => r.namespace === cache.namespace);
    this.#setInventory(release, mine);
    const synced = await withTimeout(
      cache.watchKindsOf(mine).then(() => true),
      syncTimeoutMs,
      false,
    );
    if (!synced) {
      logger?.warn(
        `watches for release ${release} in ${cache.namespace} have not synced within ${syncTimeoutMs} ms; drift of their objects is not reported until they do`,
      );
    }
  }

  /** Records a generation envmesh itself gave a tracked object outside an apply, so that it is not drift. */
  recordGeneration(ref: ObjectRef, generation: number): void {
    for (const record of this.#byObject.get(refKey(ref)) ?? []) {
      if (record.generation !== undefined) record.generation = generation;
    }
  }

  /** Forgets a release's inventory (after it is deleted). */
  untrack(release: string): void {
    this.#touched.add(release);
    this.#setInventory(release, undefined);
  }

  /** The newest generation the tracked inventories recorded for an object. */
  appliedGeneration(ref: ObjectRef): number | undefined {
    const key = refKey({
      ...ref,
      namespace: ref.namespace ?? this.deps.cache.namespace,
    });
    let newest: number | undefined;
    for (const record of this.#byObject.get(key) ?? []) {
      if (record.generation !== undefined) {
        newest = Math.max(newest ?? 0, record.generation);
      }
    }
    return newest;
  }

  /** The objects of a tracked release that drifted (see the class comment for the rule). */
  async drift(release: string): Promise<DriftEntry[]> {
    const { cache, syncTimeoutMs } = this.deps;
    await cache.startWithin(syncTimeoutMs);
    await withTimeout(this.loadBaselines(), syncTimeoutMs, undefined);
    const entries: DriftEntry[] = [];
    for (const record of this.#inventories.get(release) ?? []) {
      const ref: ObjectRef = {
        apiVersion: record.apiVersion,
        kind: record.kind,
        namespace: record.namespace,
        name: record.name,
      };
      const live = cache.liveState(record);
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

  /** Replaces (or, with undefined, removes) a release's inventory, in both maps. */
  #setInventory(release: string, records: RecordedObject[] | undefined) {
    for (const record of this.#inventories.get(release) ?? []) {
      const key = refKey(record);
      const rest = this.#byObject.get(key)?.filter(r => r !== record) ?? [];
      if (rest.length) this.#byObject.set(key, rest);
      else this.#byObject.delete(key);
    }
    if (!records) {
      this.#inventories.delete(release);
      return;
    }
    this.#inventories.set(release, records);
    for (const record of records) {
      const key = refKey(record);
      this.#byObject.set(key, [...(this.#byObject.get(key) ?? []), record]);
    }
  }
}
