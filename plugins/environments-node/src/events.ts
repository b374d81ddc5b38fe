/**
 * The topic of Backstage's events service on which the environments backend plugin announces the lifecycle
 * of every operation (an environment created, updated, copied, put to sleep…; a feature branch deployed or
 * removed): its start, each step it finishes, and its end, so that other plugins react at once instead of
 * polling. The catalog provider and the search collators refresh on `finished`.
 *
 * @public
 */
export const ENVIRONMENTS_OPERATIONS_TOPIC = 'envmesh.operations';

/**
 * The payload of an event on {@link ENVIRONMENTS_OPERATIONS_TOPIC}. It names things only: never a value of
 * the environment's config or Secrets.
 *
 * @public
 */
export interface EnvironmentsOperationEvent {
  /**
   * What happened: the operation `started` running on a backend (again, after a takeover or restart, with
   * `resumed`), one of its steps finished (`stepFinished`), or it ended for good (`finished`).
   */
  event: 'started' | 'stepFinished' | 'finished';
  operationId: string;
  /** The operation type, e.g. `create`, `sleep`, `deploy-feature`. */
  type: string;
  environment: string;
  /** The feature branch of a feature operation. */
  feature?: string;
  /** `running` until the operation ends; then how it ended. */
  state: 'running' | 'succeeded' | 'failed' | 'cancelled';
  /** Whether a `started` operation had run elsewhere before (its steps done there are not run again). */
  resumed?: boolean;
  /** The step of a `stepFinished` event. */
  step?: { index: number; name: string; state: 'succeeded' | 'failed' };
}
