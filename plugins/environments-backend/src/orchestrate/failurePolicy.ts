import type { OperationContext } from './OperationRunner';

/**
 * What a converge does with a failed service: stop (the default), or, with the create's `onFailure:
 * continue`, log it, go on with the other services, and fail the operation at the end naming each failure.
 */
export class FailurePolicy {
  readonly #failures: string[] = [];

  constructor(
    private readonly continueOnFailure: boolean,
    private readonly context: OperationContext,
  ) {}

  /** Runs a step (or a batch of steps); a failure stops the operation unless it continues past failures. */
  async attempt(work: () => Promise<unknown>): Promise<void> {
    if (!this.continueOnFailure) {
      await work();
      return;
    }
    try {
      await work();
    } catch (error) {
      // A cancel or a stop is never continued past.
      if (this.context.signal.aborted) throw error;
      const message = (error as Error).message;
      this.#failures.push(message);
      await this.context.log('error', `continuing past: ${message}`);
    }
  }

  /** After the last step: the failures continued past, as the operation's error. */
  throwIfFailed(): void {
    if (this.#failures.length) {
      throw new Error(
        `continued past ${
          this.#failures.length
        } failure(s), the rest is rolled out: ${this.#failures.join(' | ')}`,
      );
    }
  }
}
