import { EnvironmentSpec } from '@envmesh/plugin-environments-common';
import type { StoredOperation } from '../store';

/** How an operation ended. */
export type OperationOutcome =
  | { state: 'succeeded' }
  | { state: 'cancelled' }
  | { state: 'failed'; error: string };

/** What the runner and the executors announce, and what each event carries. */
export interface OperationEventMap {
  /** An operation started running here: new, or resumed after another worker (or this one) stopped it. */
  operationStarted: { operation: StoredOperation; resumed: boolean };
  /** A step of a running operation finished (not one stopped to resume elsewhere). */
  operationStepFinished: {
    operation: StoredOperation;
    step: { index: number; name: string; state: 'succeeded' | 'failed' };
  };
  /**
   * An operation ended here for good: succeeded, failed (with the reason) or cancelled. Not one left to
   * resume elsewhere (its lease lost, the runner stopping): that one ends where it resumes.
   */
  operationFinished: { operation: StoredOperation; outcome: OperationOutcome };
  /** A service's base release was applied; its ready feature instances may need their routes again. */
  serviceApplied: { environment: EnvironmentSpec; service: string };
}

type Listener<T> = (event: T) => Promise<void> | void;

/**
 * Operation lifecycle events, published by the runner and the executors and subscribed to by what reacts
 * to them (notifications, routing restores), so that orchestration never calls upward. Unlike an
 * EventEmitter, `emit` waits for the listeners: a step that announces an apply ends when its listeners have
 * reacted, and fails with them.
 */
export class OperationEvents {
  readonly #listeners = new Map<keyof OperationEventMap, Listener<any>[]>();

  /** Subscribes; returns the unsubscribe. */
  on<K extends keyof OperationEventMap>(
    event: K,
    listener: Listener<OperationEventMap[K]>,
  ): () => void {
    this.#listeners.set(event, [
      ...(this.#listeners.get(event) ?? []),
      listener,
    ]);
    return () =>
      this.#listeners.set(
        event,
        (this.#listeners.get(event) ?? []).filter(l => l !== listener),
      );
  }

  /** Runs every listener of the event at once; rejects with the first failure once all have settled. */
  async emit<K extends keyof OperationEventMap>(
    event: K,
    payload: OperationEventMap[K],
  ): Promise<void> {
    const results = await Promise.allSettled(
      (this.#listeners.get(event) ?? []).map(async l => l(payload)),
    );
    const failed = results.find(r => r.status === 'rejected');
    if (failed) throw (failed as PromiseRejectedResult).reason;
  }
}
