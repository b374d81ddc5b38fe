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
  DiffEntry,
  Operation as CommonOperation,
} from '@envmesh/plugin-environments-common';

export type {
  DiffEntry,
  DriftEntry,
  EnvironmentStatus,
  MergedValues,
  ObjectRef,
  ServiceStatus,
  WorkloadStatus,
  OperationState,
  OperationStep,
  OperationType,
  RouteHop,
  RouteTrace,
  TraceRouteRequest,
  ValuesLayerName as ValuesLayer,
} from '@envmesh/plugin-environments-common';

/** Helm values: a YAML map, as JSON (`ValuesObject`). @public */
export type ValuesObject = Record<string, unknown>;

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
  /** Set while the environment sleeps (its workloads scaled to zero). */
  asleepSince?: string;
  lastOperation?: Operation;
}

/** The response of `POST /environments/{name}/diff` (`DiffResult`). @public */
export interface DiffResult {
  /** The environment's own objects that would change: config, Gateway, Certificate; Secrets by key name. */
  environment: { changes: DiffEntry[] };
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
