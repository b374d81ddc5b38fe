import { LoggerService } from '@backstage/backend-plugin-api';
import {
  KubeConfig,
  KubernetesObject,
  PatchStrategy,
} from '@kubernetes/client-node';
import type { DiffEntry } from '@envmesh/plugin-environments-common';
import { mapSettled } from './concurrency';
import { DynamicClient, apiErrorMessage, isApiStatus } from './DynamicClient';
import { diffOne, readLive } from './diff';
import { recordOf } from './fingerprint';
import { WORKLOAD_KINDS, groupByRank } from './kindOrder';
import { ReleaseIdentity, assertOwnership } from './ownership';
import {
  Prepared,
  ReleaseObjects,
  prepareAll,
  prepareDeferred,
  prepareObject,
} from './prepare';
import {
  LABELS,
  MANAGER,
  ObjectRef,
  RecordedObject,
  formatRef,
  refKey,
} from './types';

/** What to apply: one release (a service, or '' for the environment's own objects) of an environment. */
export interface ApplyInput extends ReleaseObjects {
  kubeConfig: KubeConfig;
  /** The inventory recorded by the previous apply of this release; what left it is pruned. */
  previousInventory: RecordedObject[];
  /** Server-side dry run: nothing is persisted or pruned; `pruned` lists what would be. */
  dryRun?: boolean;
  /** Objects other releases hold (by refKey), which this apply must not take over (a 409 naming both). */
  claimed?: ReadonlyMap<string, ReleaseIdentity>;
}

export interface ApplyResult {
  /** The release's new inventory (namespaces resolved); store it for the next apply. */
  inventory: ObjectRef[];
  /** Objects of the previous inventory that were deleted (or, on a dry run, would be). */
  pruned: ObjectRef[];
  /** The objects as the API server returned them. */
  applied: KubernetesObject[];
  /** Generation or content hash of every applied object, for drift tracking (NamespaceWatcher.trackInventory). */
  recorded: RecordedObject[];
}

export type { DiffEntry };

export interface ReleaseApplierOptions {
  /** Objects of one kind applied at once (default 8). */
  concurrency?: number;
  logger?: LoggerService;
}

/** Thrown when objects failed to apply; nothing is pruned then. */
export class ApplyError extends Error {
  readonly name = 'ApplyError';

  constructor(
    readonly failures: { ref: ObjectRef; message: string }[],
    /**
     * The previous inventory plus what was applied before the failure (as RecordedObjects): store it as the
     * release's inventory so that the next successful apply prunes whatever is no longer wanted.
     */
    readonly partialInventory: RecordedObject[],
  ) {
    super(
      `failed to apply ${failures.length} object(s): ${failures
        .map(f => `${formatRef(f.ref)}: ${f.message}`)
        .join('; ')}`,
    );
  }
}

/**
 * Applies releases by server-side apply (field manager `envmesh`, conflicts forced), labels what it applies,
 * keeps an inventory per release and prunes what left it.
 *
 * Pruning and deleting only touch objects that still carry `app.kubernetes.io/managed-by: envmesh`; pruning
 * additionally requires the object's environment and service labels to name this release, so an object that
 * moved to another release (or was adopted by someone else) is never deleted by its old release.
 */
export class ReleaseApplier {
  readonly #concurrency: number;
  readonly #logger?: LoggerService;

  constructor(options: ReleaseApplierOptions = {}) {
    this.#concurrency = Math.max(1, options.concurrency ?? 8);
    this.#logger = options.logger;
  }

  /** Applies a release kind by kind, then prunes what left its inventory. */
  async apply(input: ApplyInput): Promise<ApplyResult> {
    const client = DynamicClient.for(input.kubeConfig);
    const { resolved, deferred } = await prepareAll(
      client,
      input,
      this.#concurrency,
    );
    await assertOwnership(
      client,
      input,
      resolved.map(p => p.ref),
      input.previousInventory,
      this.#concurrency,
      input.claimed,
    );
    const dryRun = input.dryRun ? 'All' : undefined;

    const applied: KubernetesObject[] = [];
    const inventory: ObjectRef[] = [];
    const pending: {
      kind: string;
      source: KubernetesObject;
      prepared?: Prepared;
    }[] = [
      ...resolved.map(p => ({
        kind: p.object.kind!,
        source: p.object,
        prepared: p,
      })),
      ...deferred.map(o => ({ kind: o.kind!, source: o })),
    ];
    for (const group of groupByRank(pending, p => p.kind)) {
      const items: Prepared[] = [];
      for (const item of group) {
        if (item.prepared) {
          items.push(item.prepared);
        } else if (input.dryRun) {
          // Its CRD is not created by a dry run: it cannot be dry-run itself.
          inventory.push(prepareObject(input, item.source, true).ref);
        } else {
          items.push(await prepareDeferred(client, input, item.source));
        }
      }
      const results = await mapSettled(items, this.#concurrency, item =>
        client.patch(
          item.object,
          undefined,
          dryRun,
          MANAGER,
          true,
          PatchStrategy.ServerSideApply,
        ),
      );
      const failures: { ref: ObjectRef; message: string }[] = [];
      results.forEach((result, index) => {
        if (result.status === 'fulfilled') {
          applied.push(result.value);
          inventory.push(items[index].ref);
        } else {
          failures.push({
            ref: items[index].ref,
            message: apiErrorMessage(result.reason),
          });
        }
      });
      if (failures.length) {
        // What was applied comes with its drift record, so the stored partial inventory keeps a baseline.
        throw new ApplyError(
          failures,
          unionRefs(
            input.previousInventory,
            input.dryRun ? inventory : applied.map(recordOf),
          ),
        );
      }
    }

    const keep = new Set(inventory.map(refKey));
    const stale = input.previousInventory.filter(r => !keep.has(refKey(r)));
    const pruned = await this.#prune(client, input, stale);
    return {
      inventory,
      pruned,
      applied,
      recorded: input.dryRun ? [] : applied.map(recordOf),
    };
  }

  /**
   * What applying would change, by server-side apply dry run compared with the live objects (metadata noise
   * and status ignored), plus the objects that would be pruned. Changes nothing.
   */
  async diff(input: Omit<ApplyInput, 'dryRun'>): Promise<DiffEntry[]> {
    const client = DynamicClient.for(input.kubeConfig);
    const { resolved, deferred } = await prepareAll(
      client,
      input,
      this.#concurrency,
    );
    const entries: DiffEntry[] = [];
    for (const group of groupByRank(resolved, p => p.object.kind ?? '')) {
      const results = await mapSettled(group, this.#concurrency, item =>
        diffOne(client, item),
      );
      results.forEach((result, index) => {
        entries.push(
          result.status === 'fulfilled'
            ? result.value
            : {
                ref: group[index].ref,
                action: 'update',
                error: apiErrorMessage(result.reason),
              },
        );
      });
    }
    // Kinds whose CRD is part of this very release cannot be dry-run before the CRD exists.
    for (const object of deferred) {
      entries.push({
        ref: prepareObject(input, object, true).ref,
        action: 'create',
        error: `${object.apiVersion} ${object.kind} is not served yet (its CRD is created by this apply)`,
      });
    }
    const keep = new Set(
      [
        ...resolved.map(p => p.ref),
        ...deferred.map(o => prepareObject(input, o, true).ref),
      ].map(refKey),
    );
    const stale = input.previousInventory.filter(r => !keep.has(refKey(r)));
    const deletions = await this.#prunable(client, input, stale);
    for (const ref of deletions) entries.push({ ref, action: 'delete' });
    return entries;
  }

  /**
   * Deletes every object of an inventory that envmesh still manages, workloads first, with foreground
   * propagation for workloads; objects already gone are ignored. Returns what was deleted.
   */
  async deleteRelease(
    kubeConfig: KubeConfig,
    inventory: ObjectRef[],
  ): Promise<ObjectRef[]> {
    const client = DynamicClient.for(kubeConfig);
    const deleted: ObjectRef[] = [];
    for (const group of groupByRank(inventory, r => r.kind, true)) {
      const results = await mapSettled(group, this.#concurrency, async ref => {
        const live = await readLive(client, ref);
        if (!live) return false;
        if (live.metadata?.labels?.[LABELS.managedBy] !== MANAGER) {
          this.#logger?.warn(
            `not deleting ${formatRef(
              ref,
            )}: it is no longer managed by envmesh`,
          );
          return false;
        }
        return this.#delete(client, ref);
      });
      this.#collect(group, results, deleted, 'delete');
    }
    return deleted;
  }

  async #prune(
    client: DynamicClient,
    input: ApplyInput,
    stale: ObjectRef[],
  ): Promise<ObjectRef[]> {
    const prunable = await this.#prunable(client, input, stale);
    if (input.dryRun) return prunable;
    const pruned: ObjectRef[] = [];
    for (const group of groupByRank(prunable, r => r.kind, true)) {
      const results = await mapSettled(group, this.#concurrency, ref =>
        this.#delete(client, ref),
      );
      this.#collect(group, results, pruned, 'prune');
    }
    return pruned;
  }

  #collect(
    refs: ObjectRef[],
    results: PromiseSettledResult<boolean>[],
    into: ObjectRef[],
    verb: string,
  ) {
    const failures: { ref: ObjectRef; message: string }[] = [];
    results.forEach((result, index) => {
      if (result.status === 'rejected') {
        failures.push({
          ref: refs[index],
          message: apiErrorMessage(result.reason),
        });
      } else if (result.value) {
        into.push(refs[index]);
      }
    });
    if (failures.length) {
      throw new Error(
        `failed to ${verb} ${failures.length} object(s): ${failures
          .map(f => `${formatRef(f.ref)}: ${f.message}`)
          .join('; ')}`,
      );
    }
  }

  /** The stale refs that still exist and carry this release's labels. */
  async #prunable(
    client: DynamicClient,
    input: Omit<ApplyInput, 'dryRun'>,
    stale: ObjectRef[],
  ): Promise<ObjectRef[]> {
    const results = await mapSettled(stale, this.#concurrency, async ref => {
      const live = await readLive(client, ref);
      if (!live) return false;
      const labels = live.metadata?.labels ?? {};
      const ours =
        labels[LABELS.managedBy] === MANAGER &&
        labels[LABELS.environment] === input.environment &&
        (labels[LABELS.service] ?? '') === input.release &&
        (labels[LABELS.feature] ?? '') === (input.feature ?? '');
      if (!ours) {
        this.#logger?.warn(
          `not pruning ${formatRef(ref)}: its labels no longer name ${
            input.environment
          }/${input.release || '(environment)'}`,
        );
      }
      return ours;
    });
    const prunable: ObjectRef[] = [];
    this.#collect(stale, results, prunable, 'read');
    return prunable;
  }

  /** Deletes one object; false when it was already gone. */
  async #delete(client: DynamicClient, ref: ObjectRef): Promise<boolean> {
    try {
      await client.delete(
        {
          apiVersion: ref.apiVersion,
          kind: ref.kind,
          metadata: { name: ref.name, namespace: ref.namespace },
        },
        undefined,
        undefined,
        undefined,
        undefined,
        WORKLOAD_KINDS.has(ref.kind) ? 'Foreground' : 'Background',
      );
      return true;
    } catch (error) {
      if (isApiStatus(error, 404)) return false;
      throw error;
    }
  }
}

/** Both lists, one entry per object (b's when both hold it). */
function unionRefs<T extends ObjectRef>(a: T[], b: T[]): T[] {
  const byKey = new Map<string, T>();
  for (const ref of [...a, ...b]) byKey.set(refKey(ref), ref);
  return [...byKey.values()];
}
