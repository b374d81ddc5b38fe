interface Pending<T> {
  item: T;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * Runs work one batch at a time per key. Items pushed while a batch runs wait and then go together into the
 * next one, so N concurrent changes to one key cost a few writes instead of N serialized ones.
 *
 * `process` returns one entry per item: undefined when it succeeded, else the error of that item; a thrown
 * error fails the whole batch.
 */
export class KeyedBatchQueue<T> {
  readonly #process: (
    key: string,
    items: T[],
  ) => Promise<(unknown | undefined)[]>;
  readonly #pending = new Map<string, Pending<T>[]>();

  constructor(
    process: (key: string, items: T[]) => Promise<(unknown | undefined)[]>,
  ) {
    this.#process = process;
  }

  push(key: string, item: T): Promise<void> {
    return new Promise((resolve, reject) => {
      const queue = this.#pending.get(key);
      if (queue) {
        queue.push({ item, resolve, reject });
      } else {
        this.#pending.set(key, [{ item, resolve, reject }]);
        void this.#drain(key);
      }
    });
  }

  async #drain(key: string): Promise<void> {
    // Let items pushed in the same tick join the first batch.
    await null;
    for (;;) {
      const queue = this.#pending.get(key)!;
      const batch = queue.splice(0);
      if (!batch.length) {
        this.#pending.delete(key);
        return;
      }
      try {
        const errors = await this.#process(
          key,
          batch.map(p => p.item),
        );
        batch.forEach((p, i) =>
          errors[i] === undefined ? p.resolve() : p.reject(errors[i]),
        );
      } catch (error) {
        batch.forEach(p => p.reject(error));
      }
    }
  }
}
