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

/**
 * The body of `POST /environments/{name}/routes/trace`: a request to trace, from a host (a Service, or an
 * external host that enters through a gateway) and/or through a chain of the environment's services.
 *
 * @public
 */
export interface TraceRouteRequest {
  host?: string;
  /** Whether `host` is reached through a gateway; default: when it is not a Service of the namespace. */
  gateway?: boolean;
  chain?: string[];
  /** The request path; default `/`. */
  path?: string;
  /** Request headers; names are matched lower-cased, as Envoy sees them. */
  headers?: Record<string, string>;
}

/**
 * One hop of a traced request: the VirtualService rule that matched, the destination and the pods behind it,
 * and why.
 *
 * @public
 */
export interface RouteHop {
  /** The service of the environment this hop is, when the hop was asked for by service. */
  service?: string;
  host: string;
  /** The VirtualService that routed it; undefined when none applies to the host. */
  virtualService?: string;
  /** The Gateway API HTTPRoute that routed it, when no VirtualService applies. */
  httpRoute?: string;
  /** The index and name of the rule that matched. */
  rule?: { index: number; name?: string };
  /** The destination (the Service host and its subset, if any). */
  destination?: { host: string; subset?: string };
  /** The pods behind the destination, by name, sorted. */
  pods: string[];
  /** Why this destination, in words. */
  reason: string;
}

/**
 * The answer of `POST /environments/{name}/routes/trace`.
 *
 * @public
 */
export interface RouteTrace {
  hops: RouteHop[];
  /**
   * The services (or, for pods envmesh did not deploy, the pods) with pods that run without an Istio sidecar:
   * their requests bypass the VirtualServices, so in `subset` mode they reach feature pods too.
   */
  withoutSidecar: string[];
}
