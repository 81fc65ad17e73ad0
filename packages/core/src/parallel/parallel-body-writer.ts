import { InvalidArgumentError } from '../errors.js';
import type { FramePool } from './frame-pool.js';
import { OrderedJobs } from './ordered-jobs.js';
import { framesPerJob } from './parallel-options.js';

const LAST_SEQUENCE_NUMBER = 0xfffffffe;

/**
 * The parallel counterpart of FramedBodyWriter: cuts plaintext into frames exactly as it does (full
 * frames of `frameLength`, then a final frame with the rest, empty when the plaintext is a multiple
 * of the frame length), and has runs of frames sealed on the pool under the content key installed in
 * `slot`. Sequence numbers are handed out here, in order, each once — so each (content key, IV) pair
 * is (this message's derived key, frame n) for n = 1 … count, as on one thread.
 *
 * The plaintext is copied into each job's own buffer (transferred to the worker, which zero-fills
 * it), so the caller may reuse or zero-fill what it wrote as soon as `write` returns.
 */
export class ParallelBodyWriter {
  readonly #jobs: OrderedJobs<Buffer>;
  readonly #jobLength: number;
  #job: Buffer | undefined; // the next job's plaintext, copied from what is written
  #pendingLength = 0;
  #sequenceNumber = 1;

  constructor(
    private readonly pool: FramePool,
    private readonly slot: number,
    private readonly frameLength: number,
    maxJobsInFlight: number,
  ) {
    this.#jobs = new OrderedJobs(maxJobsInFlight);
    this.#jobLength = framesPerJob(frameLength) * frameLength;
  }

  /** Takes plaintext; yields serialized frames (runs of them) in order as they are sealed. */
  async *write(chunk: Buffer): AsyncGenerator<Buffer> {
    let rest = chunk;
    while (rest.length > 0) {
      const take = Math.min(this.#jobLength - this.#pendingLength, rest.length);
      this.#job ??= Buffer.allocUnsafeSlow(this.#jobLength);
      this.#pendingLength += rest.copy(this.#job, this.#pendingLength, 0, take);
      rest = rest.subarray(take);
      if (this.#pendingLength === this.#jobLength) yield* this.#dispatch(false);
    }
  }

  /** Seals what is left with the final frame; yields every remaining frame in order. */
  async *end(): AsyncGenerator<Buffer> {
    yield* this.#dispatch(true);
    yield* this.#jobs.drain();
  }

  /** Drops the unsealed plaintext and any result still to come (the message is abandoned). */
  discard(): void {
    this.#job?.fill(0);
    this.#job = undefined;
    this.#jobs.abandon(() => {});
  }

  async *#dispatch(final: boolean): AsyncGenerator<Buffer> {
    // Full frames are regular; at the end the rest (possibly nothing) is the final frame.
    const regular = Math.floor(this.#pendingLength / this.frameLength);
    const frames = regular + (final ? 1 : 0);
    const first = this.#sequenceNumber;
    if (first + frames - 1 > LAST_SEQUENCE_NUMBER) {
      throw new InvalidArgumentError('The message would exceed 2^32 - 2 frames; use a larger frameLength.');
    }
    this.#sequenceNumber += frames;
    const job = this.#job ?? Buffer.alloc(0);
    // A full job is handed over as it is; a short last one is copied into a buffer of its own.
    const plaintext =
      this.#pendingLength === job.length ? job : Buffer.from(job.subarray(0, this.#pendingLength));
    if (plaintext !== job) job.fill(0);
    this.#job = undefined;
    this.#pendingLength = 0;
    yield* this.#jobs.push(this.pool.seal(this.slot, first, regular, final, plaintext));
  }
}
