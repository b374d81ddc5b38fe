import type {
  EnvironmentSpec,
  Operation,
  OperationStep,
  OperationType,
  SleepReason,
} from '@envmesh/plugin-environments-common';

/** A packaged Helm chart, keyed by the sha256 digest of its archive. */
export interface StoredChart {
  digest: string;
  name: string;
  version: string;
  archive: Buffer;
}

/** An environment's desired state as stored. */
export interface StoredEnvironment extends EnvironmentSpec {
  createdAt: string;
  updatedAt: string;
  /** Set while the environment sleeps (from the sleep request until the wake request). */
  asleepSince?: string;
  /** Why it sleeps, while it does. */
  sleepReason?: SleepReason;
  /** When it last woke; absent when it never slept. */
  awakeSince?: string;
  /** Schedule and idle sleep leave it awake until then. */
  wakeUntil?: string;
  /** The last operation, API write or push of the environment or its feature branches (its creation, before any). */
  lastActivityAt: string;
}

/**
 * One object applied for a release, remembered so that objects leaving the release are pruned, with what
 * its apply recorded for drift (a generation or a content hash; neither: only its deletion is drift).
 */
export interface InventoryObject {
  apiVersion: string;
  kind: string;
  namespace?: string;
  name: string;
  generation?: number;
  hash?: string;
}

/** A release's inventory; `release` is the service name, or '' for the environment's own objects. */
export interface Inventory {
  environment: string;
  release: string;
  objects: InventoryObject[];
  updatedAt: string;
}

/** What addRevision records; the store assigns the number and the time. */
export interface NewRevision {
  environment: string;
  service: string;
  imageTag?: string;
  values: Record<string, unknown>;
  manifestHash: string;
  chartDigest?: string;
  defaultValues?: Record<string, unknown>;
  actor: string;
}

/** An operation with its parameters and the state the workers coordinate on. */
export interface StoredOperation extends Operation {
  params: Record<string, unknown>;
  cancelRequested: boolean;
  /** The worker that holds (or last held) the operation. */
  claimedBy?: string;
  leaseUntil?: string;
}

/** What createOperation records; every step starts pending, numbered from 0 in the given order. */
export interface NewOperation {
  environment: string;
  /** The feature branch the operation works on; one active operation per environment and feature. */
  feature?: string;
  type: OperationType;
  actor: string;
  params?: Record<string, unknown>;
  steps: Array<{ name: string; group?: number; service?: string }>;
}

/**
 * A change to one step. Setting `state: 'running'` also sets `startedAt`, and a final state also sets
 * `finishedAt`, unless the patch gives them.
 */
export type OperationStepPatch = Partial<
  Pick<OperationStep, 'state' | 'startedAt' | 'finishedAt' | 'message'>
>;

/** The severity of an operation log line. */
export type OperationLogLevel = 'debug' | 'info' | 'warn' | 'error';

/** One log line of an operation; `seq` counts 1, 2, ... per operation. */
export interface OperationLogLine {
  seq: number;
  ts: string;
  level: OperationLogLevel;
  message: string;
}
