import { KubernetesObject } from '@kubernetes/client-node';
import type { ObjectRef } from '@envmesh/plugin-environments-common';

/** Identifies one Kubernetes object of a release's inventory. */
export type { ObjectRef };

/**
 * What the applier recorded of an object right after applying it, so that drift can be told later:
 * `generation` for objects the API server versions by generation (workloads, custom resources), `hash` (see
 * {@link contentHash}) for those without one and for ConfigMaps, Secrets and Services.
 */
export interface RecordedObject extends ObjectRef {
  generation?: number;
  hash?: string;
}

/** The label keys envmesh puts on every object it applies. */
export const LABELS = {
  managedBy: 'app.kubernetes.io/managed-by',
  environment: 'envmesh.io/environment',
  service: 'envmesh.io/service',
  feature: 'envmesh.io/feature',
} as const;

/** The value of {@link LABELS.managedBy} and the server-side apply field manager. */
export const MANAGER = 'envmesh';

/** The API group of an apiVersion: `apps` for `apps/v1`, '' for `v1`. */
export function groupOf(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}

/** The reference of an object (its namespace as given). */
export function refOf(object: KubernetesObject): ObjectRef {
  const ref: ObjectRef = {
    apiVersion: object.apiVersion ?? 'v1',
    kind: object.kind ?? '',
    name: object.metadata?.name ?? '',
  };
  if (object.metadata?.namespace) ref.namespace = object.metadata.namespace;
  return ref;
}

/**
 * The identity of an object across API versions: group, kind, namespace and name. A chart moving a kind from
 * `v1beta1` to `v1` keeps the same object, so the version is not part of the key (else pruning would delete
 * the object just applied under the new version).
 */
export function refKey(ref: ObjectRef): string {
  return `${groupOf(ref.apiVersion)}/${ref.kind}/${ref.namespace ?? ''}/${
    ref.name
  }`;
}

/** `Deployment ns/name` (or `Namespace name` for cluster-scoped objects), for messages. */
export function formatRef(ref: ObjectRef): string {
  return `${ref.kind} ${ref.namespace ? `${ref.namespace}/` : ''}${ref.name}`;
}
