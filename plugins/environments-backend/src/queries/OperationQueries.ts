import { NotFoundError } from '@backstage/errors';
import type { OperationStore, StoredOperation } from '../store';

/** An operation as the API shows it: without its worker fields and parameters, with its progress. */
export function summary(operation: StoredOperation) {
  const {
    params: _params,
    claimedBy: _c,
    leaseUntil: _l,
    cancelRequested,
    ...rest
  } = operation;
  const done = operation.steps.filter(
    s => s.state === 'succeeded' || s.state === 'skipped',
  ).length;
  return {
    ...rest,
    cancelRequested,
    progress: { done, total: operation.steps.length },
  };
}

/** Operations and their logs, as the API shows them. */
export class OperationQueries {
  constructor(private readonly deps: { operations: OperationStore }) {}

  async getOperation(id: string) {
    const operation = await this.deps.operations.getOperation(id);
    if (!operation) throw new NotFoundError(`no operation '${id}'`);
    return summary(operation);
  }

  listOperations(environment?: string) {
    return this.deps.operations
      .listOperations({ environment, limit: 50 })
      .then(ops => ops.map(summary));
  }

  async getOperationLogs(id: string, afterSeq?: number) {
    await this.getOperation(id);
    return this.deps.operations.listLogs(id, { afterSeq });
  }

  /** The latest operation on the environment itself (not on one of its feature branches). */
  async latestOperation(environment: string) {
    const [operation] = await this.deps.operations.listOperations({
      environment,
      feature: '',
      limit: 1,
    });
    return operation ? summary(operation) : undefined;
  }
}
