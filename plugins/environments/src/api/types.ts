/*
 * Response and request types of the envmesh backend, mirroring the schemas of
 * `plugins/environments-backend/src/schema/openapi.yaml` (`components.schemas`).
 */
import {
  EnvironmentServiceSpec,
  EnvironmentSpec,
  ConfigMapSpec,
  GatewaySpec,
  CertificateSpec,
  Operation as CommonOperation,
} from '@envmesh/plugin-environments-common';

export type {
  MergedValues,
  OperationState,
  OperationStep,
  OperationType,
  ValuesLayerName as ValuesLayer,
} from '@envmesh/plugin-environments-common';

/** Helm values: a YAML map, as JSON (`ValuesObject`). @public */
export type ValuesObject = Record<string, unknown>;

/** A Kubernetes object (`ObjectRef`). @public */
export interface ObjectRef {
  apiVersion: string;
  kind: string;
  /** Absent for cluster-scoped objects. */
  namespace?: string;
  name: string;
}

/**
 * An operation as the backend reports it (`Operation`): the common type plus whether a cancel was asked for
 * and the progress (steps succeeded or skipped, of all steps).
 *
 * @public
 */
export type Operation = CommonOperation & {
  cancelRequested: boolean;
  progress: { done: number; total: number };
};

/** One log line of an operation (`OperationLogLine`). @public */
export interface OperationLogLine {
  /** 1, 2, ... per operation. */
  seq: number;
  ts: string;
  level: 'debug' | 'info' | 'warn' | 'error';
  message: string;
}

/**
 * An environment's desired state, when it was created and changed, and its latest operation (`Environment`).
 *
 * @public
 */
export interface Environment extends EnvironmentSpec {
  createdAt: string;
  updatedAt: string;
  lastOperation?: Operation;
}

/** A workload of a service, desired against live (`WorkloadStatus`). @public */
export interface WorkloadStatus {
  ref: ObjectRef;
  found: boolean;
  desiredReplicas: number;
  readyReplicas: number;
  /** Images of the pod template, init containers first. */
  images: string[];
  ready: boolean;
  /** Progress in words. */
  summary: string;
}

/** An owned object that changed or vanished since envmesh applied it (`DriftEntry`). @public */
export interface DriftEntry {
  ref: ObjectRef;
  change: 'deleted' | 'modified';
  detail: string;
}

/** The status of one service of an environment (`ServiceStatus`). @public */
export interface ServiceStatus {
  name: string;
  /** The startup group. */
  group: number;
  /** The service's latest revision. */
  revision?: number;
  /** The image the latest revision deployed: `<repository>:<tag>` (the tag alone when its values set no repository). */
  desiredImage?: string;
  workloads: WorkloadStatus[];
  ready: boolean;
  drift: DriftEntry[];
}

/** The response of `GET /environments/{name}/status`. @public */
export interface EnvironmentStatus {
  services: ServiceStatus[];
}

/** What would happen to one object (`DiffEntry`). @public */
export interface DiffEntry {
  ref: ObjectRef;
  action: 'create' | 'update' | 'unchanged' | 'delete';
  /** For updates: the changed paths, one level below the top. */
  changes?: string[];
  /** Why the server-side dry run rejected the object, if it did. */
  error?: string;
}

/** The response of `POST /environments/{name}/diff` (`DiffResult`). @public */
export interface DiffResult {
  /** The services whose objects would change (unchanged objects left out). */
  services: Array<{ name: string; changes: DiffEntry[] }>;
  /** Services the update would remove (and prune). */
  removed: string[];
}

/** A Secret of the environment, as sent: values are write-only (`SecretInput`). @public */
export interface SecretInput {
  name: string;
  /** `Opaque` by default. */
  type?: string;
  keys?: string[];
  /** Write-only values by key. */
  values?: Record<string, string>;
}

/**
 * The body of `PATCH /environments/{name}` and `POST /environments/{name}/diff` (`UpdateEnvironmentRequest`):
 * fields given replace the stored ones, fields left out keep them.
 *
 * @public
 */
export interface UpdateEnvironmentRequest {
  owner?: string;
  description?: string;
  previewDomain?: string;
  globalValues?: ValuesObject;
  config?: { configMaps?: ConfigMapSpec[]; secrets?: SecretInput[] };
  resources?: { gateways?: GatewaySpec[]; certificates?: CertificateSpec[] };
  services?: EnvironmentServiceSpec[];
}

export type {
  Revision,
  ServiceDefinition,
} from '@envmesh/plugin-environments-common';

/**
 * The body of `POST /environments` (`CreateEnvironmentRequest`): the fields of an update plus where the
 * environment runs. The namespace defaults to the name.
 *
 * @public
 */
export interface CreateEnvironmentRequest
  extends Omit<UpdateEnvironmentRequest, 'owner'> {
  name: string;
  cluster: string;
  namespace?: string;
  owner: string;
}

/**
 * The body of `POST /environments/{name}/copy` (`CopyEnvironmentRequest`): the new environment's name and
 * optional overrides; the copy runs the source's service versions, values and config.
 *
 * @public
 */
export interface CopyEnvironmentRequest {
  name: string;
  /** The source's cluster by default. */
  cluster?: string;
  /** The new name by default. */
  namespace?: string;
  owner?: string;
  description?: string;
  /** Per service overrides over the copied versions and values. */
  services?: EnvironmentServiceSpec[];
}
