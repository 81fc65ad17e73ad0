import { InvalidArgumentError } from '../errors.js';
import type { FramePool } from './frame-pool.js';
import { OrderedJobs } from './ordered-jobs.js';
import { framesPerJob } from './parallel-options.js';
import { type Slab, SlabRing } from './slab-ring.js';

const LAST_SEQUENCE_NUMBER = 0xfffffffe;

/**
 * The parallel counterpart of FramedBodyWriter: cuts plaintext into frames exactly as it does (full
 * frames of `frameLength`, then a final frame with the rest, empty when the plaintext is a multiple
 * of the frame length), and has runs of frames sealed on the pool under the content key installed in
 * `slot`. Sequence numbers are handed out here, in order, each once — so each (content key, IV) pair
 * is (this message's derived key, frame n) for n = 1 … count, as on one thread.
 *
 * The plaintext is copied into a shared input slab (one of `maxJobsInFlight`, reused: see
 * {@link SlabRing}), so the caller may reuse or zero-fill what it wrote as soon as `write` returns.
 * The slabs are zero-filled by {@link discard}, which the owner calls when the message ends, after
 * the pool closed.
 */
export class ParallelBodyWriter {
  readonly #jobs: OrderedJobs<Buffer[]>;
  readonly #slabs: SlabRing;
  readonly #jobLength: number;
  #slab: Slab | undefined; // the next job's plaintext, copied from what is written
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
    this.#slabs = new SlabRing(pool, this.#jobLength, maxJobsInFlight);
  }

  /** Takes plaintext; yields each job's serialized frames (header, ciphertext, tag pieces) in order. */
  async *write(chunk: Buffer): AsyncGenerator<readonly Buffer[]> {
    let rest = chunk;
    while (rest.length > 0) {
      const take = Math.min(this.#jobLength - this.#pendingLength, rest.length);
      this.#slab ??= this.#slabs.acquire();
      this.#pendingLength += rest.copy(this.#slab.bytes, this.#pendingLength, 0, take);
      rest = rest.subarray(take);
      if (this.#pendingLength === this.#jobLength) yield* this.#dispatch(false);
    }
  }

  /** Seals what is left with the final frame; yields every remaining job's frames in order. */
  async *end(): AsyncGenerator<readonly Buffer[]> {
    yield* this.#dispatch(true);
    yield* this.#jobs.drain();
  }

  /**
   * Drops any result still to come and zero-fills the slabs (they held plaintext). Called when the
   * message ends, whichever way, once the pool is closed (no worker reads a slab any more).
   */
  discard(): void {
    this.#slab = undefined;
    this.#jobs.abandon(() => {});
    this.#slabs.zero();
  }

  async *#dispatch(final: boolean): AsyncGenerator<readonly Buffer[]> {
    // Full frames are regular; at the end the rest (possibly nothing) is the final frame.
    const regular = Math.floor(this.#pendingLength / this.frameLength);
    const frames = regular + (final ? 1 : 0);
    const first = this.#sequenceNumber;
    if (first + frames - 1 > LAST_SEQUENCE_NUMBER) {
      throw new InvalidArgumentError('The message would exceed 2^32 - 2 frames; use a larger frameLength.');
    }
    this.#sequenceNumber += frames;
    const slab = this.#slab ?? this.#slabs.acquire();
    const length = this.#pendingLength;
    this.#slab = undefined;
    this.#pendingLength = 0;
    // The slab is free again once its worker answered (it has read the plaintext by then).
    const sealed = this.pool.seal(this.slot, slab, length, first, regular, final);
    const release = () => this.#slabs.release(slab);
    sealed.then(release, release);
    yield* this.#jobs.push(sealed);
  }
}
