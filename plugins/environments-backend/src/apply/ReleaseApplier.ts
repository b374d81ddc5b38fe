import { LoggerService } from '@backstage/backend-plugin-api';
import { InputError } from '@backstage/errors';
import {
  KubeConfig,
  KubernetesObject,
  PatchStrategy,
  V1APIResource,
} from '@kubernetes/client-node';
import type {
  DiffAction,
  DiffEntry,
} from '@envmesh/plugin-environments-common';
import { mapSettled } from './concurrency';
import { DynamicClient, apiErrorMessage, isApiStatus } from './DynamicClient';
import { recordOf, stableStringify } from './fingerprint';
import { WORKLOAD_KINDS, groupByRank } from './kindOrder';
import { ReleaseIdentity, assertOwnership } from './ownership';
import {
  LABELS,
  MANAGER,
  ObjectRef,
  RecordedObject,
  formatRef,
  refKey,
  refOf,
} from './types';

/** What to apply: one release (a service, or '' for the environment's own objects) of an environment. */
export interface ApplyInput {
  kubeConfig: KubeConfig;
  /** The environment's namespace, given to namespaced objects that name none. */
  namespace: string;
  environment: string;
  /** The service name, or '' for environment-level objects (namespace, config, gateway, certificates). */
  release: string;
  /** The feature name for a feature instance; adds the `envmesh.io/feature` label. */
  feature?: string;
  /** The rendered objects. */
  objects: KubernetesObject[];
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

export type { DiffAction, DiffEntry };

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

interface Prepared {
  object: KubernetesObject;
  ref: ObjectRef;
}

const METADATA_NOISE = [
  'managedFields',
  'resourceVersion',
  'generation',
  'uid',
  'creationTimestamp',
  'selfLink',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
] as const;

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
    const { resolved, deferred } = await this.#prepareAll(client, input);
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
          inventory.push(this.#prepareObject(input, item.source, true).ref);
        } else {
          items.push(await this.#prepareDeferred(client, input, item.source));
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
    const { resolved, deferred } = await this.#prepareAll(client, input);
    const entries: DiffEntry[] = [];
    for (const group of groupByRank(resolved, p => p.object.kind ?? '')) {
      const results = await mapSettled(group, this.#concurrency, item =>
        this.#diffOne(client, item),
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
        ref: this.#prepareObject(input, object, true).ref,
        action: 'create',
        error: `${object.apiVersion} ${object.kind} is not served yet (its CRD is created by this apply)`,
      });
    }
    const keep = new Set(
      [
        ...resolved.map(p => p.ref),
        ...deferred.map(o => this.#prepareObject(input, o, true).ref),
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
        const live = await this.#readLive(client, ref);
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
      const live = await this.#readLive(client, ref);
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

  async #diffOne(client: DynamicClient, item: Prepared): Promise<DiffEntry> {
    const live = await this.#readLive(client, item.ref);
    let dry: KubernetesObject;
    try {
      dry = await client.patch(
        structuredClone(item.object),
        undefined,
        'All',
        MANAGER,
        true,
        PatchStrategy.ServerSideApply,
      );
    } catch (error) {
      // A new object in a namespace this release creates cannot be dry-run yet.
      if (!live && isApiStatus(error, 404)) {
        return { ref: item.ref, action: 'create' };
      }
      return {
        ref: item.ref,
        action: live ? 'update' : 'create',
        error: apiErrorMessage(error),
      };
    }
    if (!live) return { ref: item.ref, action: 'create' };
    const changes = changedPaths(normalize(live), normalize(dry));
    return changes.length
      ? { ref: item.ref, action: 'update', changes }
      : { ref: item.ref, action: 'unchanged' };
  }

  async #readLive(
    client: DynamicClient,
    ref: ObjectRef,
  ): Promise<KubernetesObject | undefined> {
    if (!(await client.resourceFor(ref.apiVersion, ref.kind))) return undefined;
    try {
      return await client.read({
        apiVersion: ref.apiVersion,
        kind: ref.kind,
        metadata: { name: ref.name, namespace: ref.namespace },
      });
    } catch (error) {
      if (isApiStatus(error, 404)) return undefined;
      throw error;
    }
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

  /**
   * Validates and labels every object and resolves its namespace through discovery. Kinds the API server does
   * not serve yet are deferred when the release itself creates CRDs (they are resolved once those exist);
   * otherwise they fail the apply before anything is changed.
   */
  async #prepareAll(
    client: DynamicClient,
    input: Omit<ApplyInput, 'dryRun'>,
  ): Promise<{ resolved: Prepared[]; deferred: KubernetesObject[] }> {
    const createsCrds = input.objects.some(
      o => o.kind === 'CustomResourceDefinition',
    );
    const resolved: Prepared[] = [];
    const deferred: KubernetesObject[] = [];
    const unknown: string[] = [];
    input.objects.forEach((object, index) => {
      if (!object || typeof object !== 'object') {
        throw new InputError(`objects[${index}] is not an object`);
      }
      if (!object.apiVersion || !object.kind || !object.metadata?.name) {
        throw new InputError(
          `objects[${index}] needs apiVersion, kind and metadata.name`,
        );
      }
    });
    const lookups = new Map<string, Promise<V1APIResource | undefined>>();
    const results = await mapSettled(
      input.objects,
      this.#concurrency,
      async object => {
        // One discovery request per kind, however many objects of it.
        const key = `${object.apiVersion} ${object.kind}`;
        let lookup = lookups.get(key);
        if (!lookup) {
          lookup = client.resourceFor(object.apiVersion!, object.kind!);
          lookups.set(key, lookup);
        }
        return (await lookup)?.namespaced;
      },
    );
    results.forEach((result, index) => {
      const object = input.objects[index];
      if (result.status === 'rejected') throw result.reason;
      if (result.value === undefined) {
        if (createsCrds) deferred.push(object);
        else unknown.push(`${object.apiVersion} ${object.kind}`);
        return;
      }
      resolved.push(this.#prepareObject(input, object, result.value));
    });
    if (unknown.length) {
      throw new InputError(
        `the cluster does not serve ${[...new Set(unknown)].join(
          ', ',
        )} (is its CRD installed?)`,
      );
    }
    const seen = new Set<string>();
    for (const { ref } of resolved) {
      const key = refKey(ref);
      if (seen.has(key)) {
        throw new InputError(
          `${formatRef(ref)} appears twice in release ${
            input.release || '(environment)'
          }`,
        );
      }
      seen.add(key);
    }
    return { resolved, deferred };
  }

  /** Waits (up to 30 s) until the kind of a deferred object is served, then prepares it. */
  async #prepareDeferred(
    client: DynamicClient,
    input: Omit<ApplyInput, 'dryRun'>,
    object: KubernetesObject,
  ): Promise<Prepared> {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const resource = await client.resourceFor(
        object.apiVersion!,
        object.kind!,
      );
      if (resource)
        return this.#prepareObject(input, object, resource.namespaced);
      if (Date.now() > deadline) {
        throw new InputError(
          `the cluster does not serve ${object.apiVersion} ${object.kind} (is its CRD installed?)`,
        );
      }
      await new Promise(resolve => setTimeout(resolve, 500));
    }
  }

  #prepareObject(
    input: Omit<ApplyInput, 'dryRun'>,
    source: KubernetesObject,
    namespaced: boolean,
  ): Prepared {
    const object = structuredClone(source) as KubernetesObject & {
      status?: unknown;
    };
    delete object.status;
    const metadata = { ...object.metadata! };
    for (const key of METADATA_NOISE) delete metadata[key];
    if (namespaced) {
      if (!metadata.namespace) metadata.namespace = input.namespace;
    } else {
      delete metadata.namespace;
    }
    const labels: Record<string, string> = {
      ...(metadata.labels ?? {}),
      [LABELS.managedBy]: MANAGER,
      [LABELS.environment]: input.environment,
    };
    if (input.release) labels[LABELS.service] = input.release;
    else delete labels[LABELS.service];
    if (input.feature) labels[LABELS.feature] = input.feature;
    metadata.labels = labels;
    object.metadata = metadata;
    return { object, ref: refOf(object) };
  }
}

/** Both lists, one entry per object (b's when both hold it). */
function unionRefs<T extends ObjectRef>(a: T[], b: T[]): T[] {
  const byKey = new Map<string, T>();
  for (const ref of [...a, ...b]) byKey.set(refKey(ref), ref);
  return [...byKey.values()];
}

/** An object without server-maintained metadata and status, for comparison. */
function normalize(object: KubernetesObject): Record<string, unknown> {
  const copy = structuredClone(object) as Record<string, unknown> & {
    metadata?: Record<string, unknown>;
  };
  delete copy.status;
  if (copy.metadata) {
    for (const key of METADATA_NOISE) delete copy.metadata[key];
  }
  return copy;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The paths where two objects differ, one level below the top: `spec.replicas`, `data.KEY`, `metadata.labels`;
 * a top-level field that is not a map is reported by its own name. Values never appear (Secrets).
 */
export function changedPaths(
  before: Record<string, unknown>,
  after: Record<string, unknown>,
): string[] {
  const paths: string[] = [];
  const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])]
    .filter(k => k !== 'apiVersion' && k !== 'kind')
    .sort();
  for (const key of keys) {
    const a = before[key];
    const b = after[key];
    if (stableStringify(a) === stableStringify(b)) continue;
    if (isPlainObject(a) && isPlainObject(b)) {
      const children = [...new Set([...Object.keys(a), ...Object.keys(b)])];
      for (const child of children.sort()) {
        if (stableStringify(a[child]) !== stableStringify(b[child])) {
          paths.push(`${key}.${child}`);
        }
      }
    } else {
      paths.push(key);
    }
  }
  return paths;
}
