import { randomUUID } from 'node:crypto';
import { ConflictError, InputError, NotFoundError } from '@backstage/errors';
import type {
  OperationState,
  OperationStep,
} from '@envmesh/plugin-environments-common';
import { Knex } from 'knex';
import { OperationStore } from './OperationStore';
import {
  NewOperation,
  OperationLogLevel,
  OperationLogLine,
  OperationStepPatch,
  StoredOperation,
} from './types';
import {
  chunks,
  isUniqueViolation,
  optional,
  ChildTable,
  firstWithChildRows,
  withChildRows,
  parseJson,
  toIso,
  toIsoRequired,
} from './util';

const ACTIVE_STATES: OperationState[] = ['pending', 'running'];
const FINAL_STATES: OperationState[] = ['succeeded', 'failed', 'cancelled'];
const FINAL_STEP_STATES = ['succeeded', 'failed', 'skipped'];

type Row = Record<string, any>;

const STEPS: ChildTable = {
  table: 'operation_steps',
  column: 'operation_id',
  parentKey: 'id',
  orderBy: 'step_index',
};

/**
 * Operations, their steps and logs in the plugin's database. One active operation per environment (a
 * partial unique index) and operation claims are enforced by the database, across backend replicas.
 *
 * @internal
 */
export class DatabaseOperationStore implements OperationStore {
  /** appendLog calls per operation, chained so that this process never races itself for a sequence number. */
  private readonly logQueues = new Map<string, Promise<unknown>>();

  /** Wraps an already migrated Knex, or a transaction. */
  constructor(private readonly db: Knex) {}

  /**
   * Records a pending operation with its steps. Throws ConflictError if the environment already has a pending
   * or running operation; a partial unique index makes this hold for concurrent callers and replicas too.
   */
  async createOperation(input: NewOperation): Promise<StoredOperation> {
    const id = randomUUID();
    for (let attempt = 1; ; attempt++) {
      try {
        await this.db.transaction(async tx => {
          await this.assertNoActiveOperation(tx, input);
          await tx('operations').insert({
            id,
            environment: input.environment,
            feature: input.feature ?? '',
            type: input.type,
            state: 'pending',
            actor: input.actor,
            params: JSON.stringify(input.params ?? {}),
            created_at: new Date(),
            cancel_requested: false,
          });
          const steps = input.steps.map((step, index) => ({
            operation_id: id,
            step_index: index,
            name: step.name,
            startup_group: step.group ?? null,
            service: step.service ?? null,
            state: 'pending',
          }));
          for (const batch of chunks(steps)) {
            await tx('operation_steps').insert(batch);
          }
        });
        return (await this.getOperation(id))!;
      } catch (error) {
        if (!isUniqueViolation(error) || attempt >= 3) throw error;
        // A concurrent call created one first; name it (or retry if it already ended).
        await this.assertNoActiveOperation(this.db, input);
      }
    }
  }

  private async assertNoActiveOperation(
    db: Knex,
    target: { environment: string; feature?: string },
  ) {
    const { environment, feature = '' } = target;
    const active = await db('operations')
      .where({ environment, feature })
      .whereIn('state', ACTIVE_STATES)
      .first('id', 'type');
    if (active) {
      throw new ConflictError(
        `${
          feature
            ? `feature branch '${feature}'`
            : `environment '${environment}'`
        } has operation ${active.id} (${active.type}) in progress`,
      );
    }
  }

  async getOperation(id: string): Promise<StoredOperation | undefined> {
    const query = this.db('operations').where({ id });
    return firstWithChildRows(this.db, query, STEPS, toOperation);
  }

  /**
   * Newest first; `limit` defaults to 50. `feature` narrows to one feature branch's operations, '' to the
   * environment's own; without it an environment's list includes its feature branches' operations.
   */
  async listOperations(
    options: { environment?: string; feature?: string; limit?: number } = {},
  ): Promise<StoredOperation[]> {
    const query = this.db('operations')
      .orderBy([
        { column: 'created_at', order: 'desc' },
        { column: 'id', order: 'desc' },
      ])
      .limit(options.limit ?? 50);
    if (options.environment) query.where({ environment: options.environment });
    if (options.feature !== undefined)
      query.where({ feature: options.feature });
    return withChildRows(this.db, await query, STEPS, toOperation);
  }

  /**
   * Takes the oldest operation that is pending, or running under an expired lease (its worker died), for
   * `workerId` until now + leaseMs. The update re-checks the condition, so of two workers racing for one
   * operation exactly one gets it.
   */
  async claimOperation(
    workerId: string,
    leaseMs: number,
  ): Promise<StoredOperation | undefined> {
    const now = new Date();
    const claimable = (q: Knex.QueryBuilder) =>
      q
        .where('state', 'pending')
        .orWhere(running =>
          running
            .where('state', 'running')
            .andWhere(lease =>
              lease.whereNull('lease_until').orWhere('lease_until', '<', now),
            ),
        );
    const candidates = await this.db('operations')
      .where(claimable)
      .orderBy('created_at')
      .limit(10)
      .select('id');
    for (const { id } of candidates) {
      const claimed = await this.db('operations')
        .where({ id })
        .andWhere(claimable)
        .update({
          state: 'running',
          claimed_by: workerId,
          lease_until: new Date(now.getTime() + leaseMs),
          started_at: this.db.raw('COALESCE(started_at, ?)', [now]),
        });
      if (claimed === 1) return this.getOperation(id);
    }
    return undefined;
  }

  /** Extends the lease; false if the operation is no longer running under `workerId` (it must stop). */
  async renewLease(
    id: string,
    workerId: string,
    leaseMs: number,
  ): Promise<boolean> {
    const updated = await this.db('operations')
      .where({ id, claimed_by: workerId, state: 'running' })
      .update({ lease_until: new Date(Date.now() + leaseMs) });
    return updated === 1;
  }

  async updateStep(
    id: string,
    index: number,
    patch: OperationStepPatch,
  ): Promise<void> {
    const now = new Date();
    const update: Row = {};
    if (patch.state) update.state = patch.state;
    if (patch.message !== undefined) update.message = patch.message;
    if (patch.startedAt) update.started_at = new Date(patch.startedAt);
    else if (patch.state === 'running') update.started_at = now;
    if (patch.finishedAt) update.finished_at = new Date(patch.finishedAt);
    else if (patch.state && FINAL_STEP_STATES.includes(patch.state)) {
      update.finished_at = now;
    }
    if (Object.keys(update).length === 0) return;
    const updated = await this.db('operation_steps')
      .where({ operation_id: id, step_index: index })
      .update(update);
    if (updated === 0) {
      throw new NotFoundError(`operation ${id} has no step ${index}`);
    }
  }

  /** Ends an operation, which frees its environment for the next one. */
  async finishOperation(
    id: string,
    state: 'succeeded' | 'failed' | 'cancelled',
    error?: string,
  ): Promise<void> {
    if (!FINAL_STATES.includes(state)) {
      throw new InputError(`'${state}' is not a final operation state`);
    }
    const updated = await this.db('operations')
      .where({ id })
      .update({
        state,
        error: error ?? null,
        finished_at: new Date(),
        lease_until: null,
      });
    if (updated === 0) throw new NotFoundError(`operation ${id} not found`);
  }

  /** Flags a pending or running operation for cancellation; false if it is not active (or unknown). */
  async requestCancel(id: string): Promise<boolean> {
    const updated = await this.db('operations')
      .where({ id })
      .whereIn('state', ACTIVE_STATES)
      .update({ cancel_requested: true });
    return updated === 1;
  }

  async isCancelRequested(id: string): Promise<boolean> {
    const row = await this.db('operations')
      .where({ id })
      .first('cancel_requested');
    return Boolean(row?.cancel_requested);
  }

  /** Appends a log line numbered after the operation's last one. */
  appendLog(
    id: string,
    level: OperationLogLevel,
    message: string,
  ): Promise<OperationLogLine> {
    const previous = this.logQueues.get(id) ?? Promise.resolve();
    const next = previous
      .catch(() => undefined)
      .then(() => this.insertLog(id, level, message));
    this.logQueues.set(id, next);
    const forget = () => {
      if (this.logQueues.get(id) === next) this.logQueues.delete(id);
    };
    next.then(forget, forget);
    return next;
  }

  private async insertLog(
    id: string,
    level: OperationLogLevel,
    message: string,
  ): Promise<OperationLogLine> {
    for (let attempt = 1; ; attempt++) {
      const last = await this.db('operation_logs')
        .where({ operation_id: id })
        .max('seq as max')
        .first();
      const line = { seq: Number(last?.max ?? 0) + 1, ts: new Date() };
      try {
        await this.db('operation_logs').insert({
          operation_id: id,
          seq: line.seq,
          ts: line.ts,
          level,
          message,
        });
        return { seq: line.seq, ts: line.ts.toISOString(), level, message };
      } catch (error) {
        // Another process logged for the same operation at the same moment.
        if (!isUniqueViolation(error) || attempt >= 20) throw error;
      }
    }
  }

  /** In order; `afterSeq` returns only the lines after that one (for following a running operation). */
  async listLogs(
    id: string,
    options: { afterSeq?: number; limit?: number } = {},
  ): Promise<OperationLogLine[]> {
    const query = this.db('operation_logs')
      .where({ operation_id: id })
      .where('seq', '>', options.afterSeq ?? 0)
      .orderBy('seq');
    if (options.limit) query.limit(options.limit);
    const rows = await query;
    return rows.map(row => ({
      seq: Number(row.seq),
      ts: toIsoRequired(row.ts),
      level: row.level,
      message: row.message,
    }));
  }
}

function toStep(row: Row): OperationStep {
  return {
    index: Number(row.step_index),
    name: row.name,
    ...(row.startup_group !== null && { group: Number(row.startup_group) }),
    ...(row.service !== null && { service: row.service }),
    state: row.state,
    ...(row.started_at !== null && { startedAt: toIso(row.started_at) }),
    ...(row.finished_at !== null && { finishedAt: toIso(row.finished_at) }),
    ...(row.message !== null && { message: row.message }),
  };
}

function toOperation(row: Row, steps: Row[]): StoredOperation {
  return {
    id: row.id,
    environment: row.environment,
    ...(row.feature && { feature: row.feature }),
    type: row.type,
    state: row.state,
    actor: row.actor,
    params: parseJson(row.params, {}),
    createdAt: toIsoRequired(row.created_at),
    startedAt: toIso(row.started_at),
    finishedAt: toIso(row.finished_at),
    error: optional(row.error),
    steps: steps.map(toStep),
    cancelRequested: Boolean(row.cancel_requested),
    claimedBy: optional(row.claimed_by),
    leaseUntil: toIso(row.lease_until),
  };
}
