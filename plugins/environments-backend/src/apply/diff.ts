import { KubernetesObject, PatchStrategy } from '@kubernetes/client-node';
import type { DiffEntry } from '@envmesh/plugin-environments-common';
import { DynamicClient, apiErrorMessage, isApiStatus } from './DynamicClient';
import { stableStringify } from './fingerprint';
import { METADATA_NOISE, Prepared } from './prepare';
import { MANAGER, ObjectRef } from './types';

/** What applying one object would change: a server-side apply dry run compared with the live object. */
export async function diffOne(
  client: DynamicClient,
  item: Prepared,
): Promise<DiffEntry> {
  const live = await readLive(client, item.ref);
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

/** The live object, or undefined when it (or its kind) does not exist. */
export async function readLive(
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
