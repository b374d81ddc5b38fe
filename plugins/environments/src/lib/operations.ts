import { Operation } from '../api/types';

/** Whether an operation has ended, so there is nothing more to poll. */
export const isFinished = (operation: Pick<Operation, 'state'>) =>
  operation.state === 'succeeded' ||
  operation.state === 'failed' ||
  operation.state === 'cancelled';
