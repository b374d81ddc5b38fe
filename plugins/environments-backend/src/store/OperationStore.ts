import {
  NewOperation,
  OperationLogLevel,
  OperationLogLine,
  OperationStepPatch,
  StoredOperation,
} from './types';

/**
 * Operations with their steps and logs, and the leases the workers of all backend replicas coordinate on.
 * The database allows one pending or running operation per environment (and per feature branch).
 *
 * @internal
 */
export interface OperationStore {
  /** Records a pending operation with its steps. Throws ConflictError if the target has an active one. */
  createOperation(input: NewOperation): Promise<StoredOperation>;

  getOperation(id: string): Promise<StoredOperation | undefined>;

  /**
   * Newest first; `limit` defaults to 50. `feature` narrows to one feature branch's operations, '' to the
   * environment's own; without it an environment's list includes its feature branches' operations.
   */
  listOperations(options?: {
    environment?: string;
    feature?: string;
    limit?: number;
  }): Promise<StoredOperation[]>;

  /**
   * Takes the oldest operation that is pending, or running under an expired lease (its worker died), for
   * `workerId` until now + leaseMs; of two workers racing for one operation exactly one gets it.
   */
  claimOperation(
    workerId: string,
    leaseMs: number,
  ): Promise<StoredOperation | undefined>;

  /** Extends the lease; false if the operation is no longer running under `workerId` (it must stop). */
  renewLease(id: string, workerId: string, leaseMs: number): Promise<boolean>;

  updateStep(
    id: string,
    index: number,
    patch: OperationStepPatch,
  ): Promise<void>;

  /** Ends an operation, which frees its environment for the next one. */
  finishOperation(
    id: string,
    state: 'succeeded' | 'failed' | 'cancelled',
    error?: string,
  ): Promise<void>;

  /** Flags a pending or running operation for cancellation; false if it is not active (or unknown). */
  requestCancel(id: string): Promise<boolean>;

  isCancelRequested(id: string): Promise<boolean>;

  /** Appends a log line numbered after the operation's last one. */
  appendLog(
    id: string,
    level: OperationLogLevel,
    message: string,
  ): Promise<OperationLogLine>;

  /** In order; `afterSeq` returns only the lines after that one (for following a running operation). */
  listLogs(
    id: string,
    options?: { afterSeq?: number; limit?: number },
  ): Promise<OperationLogLine[]>;
}
