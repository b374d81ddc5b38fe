/*
 * What the engine reports about the cluster side of an environment: status, drift and diffs. The backend
 * produces these and the portal shows them, so both use these declarations.
 */

/**
 * A Kubernetes object.
 *
 * @public
 */
export interface ObjectRef {
  apiVersion: string;
  kind: string;
  /** Absent for cluster-scoped objects. */
  namespace?: string;
  name: string;
}

/**
 * A workload of a service, desired against live.
 *
 * @public
 */
export interface WorkloadStatus {
  ref: ObjectRef;
  /** Whether the object exists (always true for kinds that are not watched). */
  found: boolean;
  /** spec.replicas (Deployment, StatefulSet), spec.completions (Job), 1 for a Pod. */
  desiredReplicas: number;
  /** status.readyReplicas, status.succeeded for a Job. */
  readyReplicas: number;
  /** Images of the pod template, init containers first. */
  images: string[];
  ready: boolean;
  /** Progress in words. */
  summary: string;
}

/**
 * An owned object that changed or vanished since envmesh applied it.
 *
 * @public
 */
export interface DriftEntry {
  ref: ObjectRef;
  change: 'deleted' | 'modified';
  detail: string;
}

/**
 * The status of one service of an environment.
 *
 * @public
 */
export interface ServiceStatus {
  name: string;
  /** The startup group. */
  group: number;
  /** The service's latest revision. */
  revision?: number;
  /** The image the latest revision deployed (`<repository>:<tag>`; the tag alone when its values set no repository). */
  desiredImage?: string;
  workloads: WorkloadStatus[];
  ready: boolean;
  drift: DriftEntry[];
}

/**
 * The status of an environment: its services.
 *
 * @public
 */
export interface EnvironmentStatus {
  services: ServiceStatus[];
  /**
   * Drift of the environment's own objects: config ConfigMaps, Gateways, Certificates, and Secrets (only
   * their deletion; their content is never compared or shown).
   */
  drift?: DriftEntry[];
}

/** @public */
export type DiffAction = 'create' | 'update' | 'unchanged' | 'delete';

/**
 * What applying would do to one object.
 *
 * @public
 */
export interface DiffEntry {
  ref: ObjectRef;
  action: DiffAction;
  /** For updates: the changed paths, one level below the top (`spec.template`, `data.KEY`, `metadata.labels`). */
  changes?: string[];
  /** Why the server-side dry run rejected the object, if it did. */
  error?: string;
}
