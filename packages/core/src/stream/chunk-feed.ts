/** A writer's callback: called with no argument once its chunk was read, or with the error it met. */
export type Taken = (error?: Error | null) => void;

/**
 * An async iterator fed one chunk at a time by a stream's writable side, for the parser that reads
 * a message's header before the stream hands it chunks directly. A writer's callback (`taken`) runs
 * only once its chunk has been read, so at most one chunk waits here: the writer's backpressure.
 */
export class ChunkFeed implements AsyncIterableIterator<Uint8Array> {
  #offered: { chunk: Buffer; taken: Taken } | undefined;
  #waiting: ((result: IteratorResult<Uint8Array>) => void) | undefined;
  #ended = false;

  /** Hands in a chunk; `taken` runs once the reader has it. */
  offer(chunk: Buffer, taken: Taken): void {
    const waiting = this.#waiting;
    if (waiting) {
      this.#waiting = undefined;
      waiting({ value: chunk, done: false });
      taken();
      return;
    }
    this.#offered = { chunk, taken };
  }

  /** The input has ended: a waiting or later read gets `done`. */
  end(): void {
    this.#ended = true;
    const waiting = this.#waiting;
    this.#waiting = undefined;
    waiting?.({ value: undefined, done: true });
  }

  /** Takes back the chunk offered and not yet read, if any (its `taken` is the caller's to run). */
  reclaim(): { chunk: Buffer; taken: Taken } | undefined {
    const offered = this.#offered;
    this.#offered = undefined;
    return offered;
  }

  next(): Promise<IteratorResult<Uint8Array>> {
    const offered = this.#offered;
    if (offered) {
      this.#offered = undefined;
      offered.taken();
      return Promise.resolve({ value: offered.chunk, done: false });
    }
    if (this.#ended) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => {
      this.#waiting = resolve;
    });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}
