/**
 * Jobs in flight, taken back strictly in the order they were started. `push` waits (yielding
 * finished results in order) while `limit` jobs are in flight, which bounds memory; a job's
 * rejection surfaces when its turn comes (and fails the stream).
 */
export class OrderedJobs<T> {
  readonly #queue: { readonly promise: Promise<T>; settled: boolean }[] = [];

  constructor(private readonly limit: number) {}

  get size(): number {
    return this.#queue.length;
  }

  /** Starts tracking `promise`; yields results already due, waiting for the oldest while full. */
  async *push(promise: Promise<T>): AsyncGenerator<T> {
    const entry = { promise, settled: false };
    promise.then(
      () => (entry.settled = true),
      () => (entry.settled = true),
    );
    this.#queue.push(entry);
    while (this.#queue.length >= this.limit || (this.#queue.length > 0 && this.#queue[0]!.settled)) {
      yield await this.#queue.shift()!.promise;
    }
  }

  /** Yields every remaining result, in order. */
  async *drain(): AsyncGenerator<T> {
    while (this.#queue.length > 0) yield await this.#queue.shift()!.promise;
  }

  /** Abandons the queue: `discard` gets each result that still arrives (to zero-fill it). */
  abandon(discard: (value: T) => void): void {
    for (const { promise } of this.#queue.splice(0)) promise.then(discard, () => {});
  }
}
