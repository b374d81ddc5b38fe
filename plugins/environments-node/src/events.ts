/**
 * The topic of Backstage's events service on which the environments backend plugin announces every
 * operation that ended (an environment created, updated, copied, put to sleep…; a feature branch deployed or
 * removed), so that other plugins react at once instead of polling: the catalog provider refreshes its
 * entities on it.
 *
 * @public
 */
export const ENVIRONMENTS_OPERATIONS_TOPIC = 'envmesh.operations';

/**
 * The payload of an event on {@link ENVIRONMENTS_OPERATIONS_TOPIC}.
 *
 * @public
 */
export interface EnvironmentsOperationEvent {
  operationId: string;
  /** The operation type, e.g. `create`, `sleep`, `deploy-feature`. */
  type: string;
  environment: string;
  /** The feature branch of a feature operation. */
  feature?: string;
  state: 'succeeded' | 'failed' | 'cancelled';
}
