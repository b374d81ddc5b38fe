import crypto from 'node:crypto';
import { KubernetesObject } from '@kubernetes/client-node';
import { RecordedObject, refOf } from './types';

function compareStrings(a: string, b: string): number {
  if (a === b) return 0;
  return a < b ? -1 : 1;
}

/** JSON with object keys sorted and undefined members left out, so equal content gives equal text. */
export function stableStringify(value: unknown): string {
  if (value === undefined) return 'null';
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (Array.isArray(value)) {
    return `[${value.map(v => stableStringify(v)).join(',')}]`;
  }
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => compareStrings(a, b));
  return `{${entries
    .map(([k, v]) => `${JSON.stringify(k)}:${stableStringify(v)}`)
    .join(',')}}`;
}

/** Kinds whose drift is told by a hash of their content rather than by metadata.generation. */
const HASHED_KINDS = new Set(['ConfigMap', 'Secret', 'Service']);

/**
 * A SHA-256 of an object's content: every top-level field except apiVersion, kind, metadata and status (for a
 * ConfigMap or Secret its data/binaryData/type, for a Service its spec). Secret values only enter the hash.
 */
export function contentHash(object: KubernetesObject): string {
  const {
    apiVersion: _apiVersion,
    kind: _kind,
    metadata: _metadata,
    status: _status,
    ...content
  } = object as KubernetesObject & { status?: unknown };
  return crypto
    .createHash('sha256')
    .update(stableStringify(content))
    .digest('hex');
}

/** Whether drift of this object is told by its content hash (else by its generation). */
function usesContentHash(object: KubernetesObject): boolean {
  return (
    HASHED_KINDS.has(object.kind ?? '') ||
    typeof object.metadata?.generation !== 'number'
  );
}

/** The record of an object as returned by the API server after an apply. */
export function recordOf(object: KubernetesObject): RecordedObject {
  const record: RecordedObject = refOf(object);
  if (usesContentHash(object)) {
    record.hash = contentHash(object);
  } else {
    record.generation = object.metadata!.generation;
  }
  return record;
}
