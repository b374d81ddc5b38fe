import { randomUUID } from 'node:crypto';
import os from 'node:os';
import { LoggerService } from '@backstage/backend-plugin-api';
import type {
  OperationLogLevel,
  OperationStore,
  StoredOperation,
} from '../store';
import {
  OperationEventMap,
  OperationEvents,
  OperationOutcome,
} from './OperationEvents';

/** What an operation's executor gets besides the operation itself. */
export interface OperationContext {
  /** Aborted when the operation is cancelled, its lease is lost, or the runner stops. */
  signal: AbortSignal;
  log(level: OperationLogLevel, message: string): Promise<void>;
  /**
   * Runs one step of the operation's persisted list: skipped when an earlier run (before a restart) already
   * finished it, marked running/succeeded/failed around `fn` otherwise.
   */
  step(index: number, fn: () => Promise<string | void>): Promise<void>;
}

type OperationExecutor = (
  operation: StoredOperation,
  context: OperationContext,
) => Promise<void>;

export interface OperationRunnerOptions {
  operations: OperationStore;
  logger: LoggerService;
  execute: OperationExecutor;
  /** How long a claim lasts without renewal; another replica (or this one after a restart) resumes after. */
  leaseMs?: number;
  /** How often to look for claimable operations when nothing woke the runner. */
  pollMs?: number;
  /** Operations run at the same time (each on its own environment). */
  concurrency?: number;
  /** Where the runner announces `operationFinished`. */
  events: OperationEvents;
}

class StopReason extends Error {}

/**
 * Runs persisted operations: claims them with a lease row so that several backend replicas never run the
 * same one twice, renews the lease while it runs, honours cancel requests, and leaves an operation whose
 * runner stopped (or crashed) to be resumed when its lease expires.
 */
export class OperationRunner {
  readonly workerId = `${os.hostname()}-${process.pid}-${randomUUID().slice(
    0,
    8,
  )}`;
  readonly #options: Required<
    Omit<OperationRunnerOptions, 'operations' | 'logger' | 'execute' | 'events'>
  > &
    OperationRunnerOptions;
  readonly #active = new Map<
    string,
    { controller: AbortController; done: Promise<void> }
  >();
  #running = false;
  #wake: () => void = () => {};
  #loop?: Promise<void>;

  constructor(options: OperationRunnerOptions) {
    this.#options = {
      leaseMs: 15_000,
      pollMs: 1_000,
      concurrency: 4,
      ...options,
    };
  }

  start() {
    if (this.#running) return;
    this.#running = true;
    this.#loop = this.#run();
  }

  /** Looks for work now, e.g. right after an operation was created. */
  wake() {
    this.#wake();
  }

  /** Stops claiming and aborts what runs; those operations resume elsewhere once their leases expire. */
  async stop() {
    this.#running = false;
    this.#wake();
    for (const { controller } of this.#active.values()) {
      controller.abort(new StopReason('backend stopping'));
    }
    await this.#loop;
    await Promise.all([...this.#active.values()].map(a => a.done));
  }

  async #run() {
    const { operations, logger, pollMs, concurrency, leaseMs } = this.#options;
    while (this.#running) {
      let claimed: StoredOperation | undefined;
      if (this.#active.size < concurrency) {
        try {
          claimed = await operations.claimOperation(this.workerId, leaseMs);
        } catch (error) {
          logger.warn(`claiming operations failed: ${error}`);
        }
      }
      if (claimed) {
        this.#start(claimed);
        continue;
      }
      await new Promise<void>(resolve => {
        const timer = setTimeout(resolve, pollMs);
        this.#wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }

  #start(operation: StoredOperation) {
    const controller = new AbortController();
    const done = this.#execute(operation, controller).finally(() => {
      this.#active.delete(operation.id);
      this.#wake();
    });
    this.#active.set(operation.id, { controller, done });
  }

  /** Announces the end; what a listener fails at is logged, never the operation's outcome. */
  #finished(operation: StoredOperation, outcome: OperationOutcome) {
    return this.#announce('operationFinished', { operation, outcome });
  }

  /** Tells the listeners; what one fails at is logged and changes nothing of the operation. */
  async #announce<
    K extends
      | 'operationStarted'
      | 'operationStepFinished'
      | 'operationFinished',
  >(event: K, payload: OperationEventMap[K]) {
    try {
      await this.#options.events.emit(event, payload);
    } catch (error) {
      this.#options.logger.warn(
        `after ${event} of operation ${payload.operation.id}: ${error}`,
      );
    }
  }

  async #execute(operation: StoredOperation, controller: AbortController) {
    const { operations, logger, leaseMs, execute } = this.#options;
    const { id } = operation;
    const heartbeat = setInterval(async () => {
      try {
        if (await operations.isCancelRequested(id)) {
          controller.abort(new Error('cancelled'));
        } else if (!(await operations.renewLease(id, this.workerId, leaseMs))) {
          controller.abort(new StopReason('lease lost to another worker'));
        }
      } catch (error) {
        logger.warn(`renewing the lease of operation ${id} failed: ${error}`);
      }
    }, Math.max(200, Math.floor(leaseMs / 3)));

    const log = async (level: OperationLogLevel, message: string) => {
      await operations.appendLog(id, level, message);
    };
    const finished = new Set(
      operation.steps
        .filter(s => s.state === 'succeeded' || s.state === 'skipped')
        .map(s => s.index),
    );
    const stepName = (index: number) =>
      operation.steps.find(s => s.index === index)?.name ?? `step ${index}`;
    const context: OperationContext = {
      signal: controller.signal,
      log,
      step: async (index, fn) => {
        if (finished.has(index)) return;
        controller.signal.throwIfAborted();
        await operations.updateStep(id, index, { state: 'running' });
        const stepFinished = (state: 'succeeded' | 'failed') =>
          this.#announce('operationStepFinished', {
            operation,
            step: { index, name: stepName(index), state },
          });
        try {
          const message = await fn();
          await operations.updateStep(id, index, {
            state: 'succeeded',
            ...(message ? { message } : {}),
          });
          await stepFinished('succeeded');
        } catch (error) {
          const reason = controller.signal.aborted
            ? String((controller.signal.reason as Error)?.message ?? 'aborted')
            : (error as Error).message;
          await operations.updateStep(id, index, {
            state: controller.signal.aborted ? 'pending' : 'failed',
            message: reason,
          });
          if (!controller.signal.aborted) await stepFinished('failed');
          throw error;
        }
      },
    };

    try {
      const resumed =
        !!operation.startedAt &&
        operation.steps.some(s => s.state !== 'pending');
      // Which replica runs it: an operator's first question when one dies.
      await log(
        'info',
        `${resumed ? 'resumed' : 'started'} by ${this.workerId}`,
      );
      await this.#announce('operationStarted', { operation, resumed });
      await execute(operation, context);
      await operations.finishOperation(id, 'succeeded');
      logger.info(
        `operation ${id} (${operation.type} ${operation.environment}) succeeded`,
      );
      await this.#finished(operation, { state: 'succeeded' });
    } catch (error) {
      const reason = controller.signal.reason;
      if (reason instanceof StopReason) {
        logger.info(`operation ${id} left to resume: ${reason.message}`);
        return;
      }
      const cancelled = controller.signal.aborted;
      const message = cancelled
        ? 'cancelled by request'
        : (error as Error).message ?? String(error);
      try {
        await log(
          cancelled ? 'warn' : 'error',
          cancelled ? 'cancelled' : message,
        );
        await operations.finishOperation(
          id,
          cancelled ? 'cancelled' : 'failed',
          message,
        );
      } catch (recording) {
        // The store is unreachable (a database restart): the operation keeps its state and lease, and is
        // resumed, by this replica or another, once the lease runs out. Never an unhandled rejection.
        logger.warn(
          `operation ${id} could not be recorded as ${
            cancelled ? 'cancelled' : 'failed'
          } (${recording}); it resumes when its lease runs out`,
        );
        return;
      }
      if (cancelled) {
        await this.#finished(operation, { state: 'cancelled' });
      } else {
        logger.warn(
          `operation ${id} (${operation.type} ${operation.environment}) failed: ${message}`,
        );
        await this.#finished(operation, { state: 'failed', error: message });
      }
    } finally {
      clearInterval(heartbeat);
    }
  }
}
