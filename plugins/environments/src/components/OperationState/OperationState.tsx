import {
  StatusAborted,
  StatusError,
  StatusOK,
  StatusPending,
  StatusRunning,
} from '@backstage/core-components';
import { Operation } from '../../api/types';

/** The state of an operation as a status label. */
export const OperationState = ({
  operation,
}: {
  operation: Pick<Operation, 'state'>;
}) => {
  switch (operation.state) {
    case 'succeeded':
      return <StatusOK>succeeded</StatusOK>;
    case 'failed':
      return <StatusError>failed</StatusError>;
    case 'cancelled':
      return <StatusAborted>cancelled</StatusAborted>;
    case 'running':
      return <StatusRunning>running</StatusRunning>;
    default:
      return <StatusPending>{operation.state}</StatusPending>;
  }
};
