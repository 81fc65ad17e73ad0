import type { FrameContent, FrameInfo } from '../stream/frame-reader.js';
import type { FramePool } from './frame-pool.js';
import { OrderedJobs } from './ordered-jobs.js';
import { JOB_BYTES } from './parallel-options.js';
import { type Slab, SlabRing } from './slab-ring.js';
import type { OpenFrame } from './worker-protocol.js';

/** One authenticated frame's plaintext, handed back in sequence order. */
export interface OpenedFrame {
  readonly frame: FrameInfo;
  readonly plaintext: Buffer;
}

interface OpenedJob {
  readonly frames: readonly FrameInfo[];
  /** One plaintext per frame. */
  readonly plaintext: readonly Buffer[];
}

/**
 * Opens frames on the pool in runs of about {@link JOB_BYTES}: each frame's ciphertext and tag are
 * copied into the job's shared input slab (see {@link SlabRing}; ciphertext, so the slabs need no
 * zero-filling) as the frame reader hands them over (the reader has already fed them to the
 * signature verifier, on this thread). A job's plaintext comes back only when every frame in it
 * authenticated under the content key in `slot`; a job with a bad tag fails with
 * DecryptionFailedError and releases nothing (the worker zero-fills what it had opened). Frames come
 * back strictly in sequence order.
 */
export class ParallelBodyReader {
  readonly #jobs: OrderedJobs<OpenedJob>;
  readonly #slabs: SlabRing;
  #frames: FrameInfo[] = [];
  #slab: Slab | undefined;
  #contentLength = 0;

  constructor(
    private readonly pool: FramePool,
    private readonly slot: number,
    private readonly tagLength: number,
    /** The message's frame length: a job holds less than JOB_BYTES plus one frame. */
    frameLength: number,
    maxJobsInFlight: number,
  ) {
    this.#jobs = new OrderedJobs(maxJobsInFlight);
    this.#slabs = new SlabRing(pool, JOB_BYTES + frameLength + tagLength, maxJobsInFlight);
  }

  /** Adds a frame (its content as views of the input); yields frames opened so far, in order. */
  async *add(frame: FrameInfo, content: FrameContent): AsyncGenerator<OpenedFrame> {
    const size = frame.length + this.tagLength;
    // A frame larger than the slab's room (a non-framed body) gets a job, and a slab, of its own.
    if (this.#slab && this.#contentLength + size > this.#slab.bytes.length) {
      for await (const done of this.#jobs.push(this.#dispatch())) yield* split(done);
    }
    this.#slab ??= this.#slabs.acquire(size);
    const slab = this.#slab.bytes;
    for (const piece of content.ciphertext) this.#contentLength += piece.copy(slab, this.#contentLength);
    this.#contentLength += content.tag.copy(slab, this.#contentLength);
    this.#frames.push(frame);
    if (this.#contentLength >= JOB_BYTES || frame.final) {
      for await (const done of this.#jobs.push(this.#dispatch())) yield* split(done);
    }
  }

  /** Yields every frame still in flight, in order. */
  async *end(): AsyncGenerator<OpenedFrame> {
    if (this.#frames.length > 0)
      for await (const done of this.#jobs.push(this.#dispatch())) yield* split(done);
    for await (const done of this.#jobs.drain()) yield* split(done);
  }

  /** Zero-fills the plaintext of every job still to come back (the message is abandoned). */
  discard(): void {
    this.#jobs.abandon(({ plaintext }) => {
      for (const piece of plaintext) piece.fill(0);
    });
  }

  #dispatch(): Promise<OpenedJob> {
    const frames = this.#frames;
    const slab = this.#slab ?? this.#slabs.acquire();
    this.#frames = [];
    this.#slab = undefined;
    this.#contentLength = 0;
    // Copies: the frame reader's IV (and AAD) may be views of a large input buffer, and posting a
    // view to a worker structured-clones its whole ArrayBuffer, once per frame.
    const open: OpenFrame[] = frames.map(({ iv, aad, length }) => ({
      iv: new Uint8Array(iv),
      aad: new Uint8Array(aad),
      length,
    }));
    const opened = this.pool.open(this.slot, slab, open);
    // The slab is free again once its worker answered (it has read the ciphertext by then).
    const release = () => this.#slabs.release(slab);
    opened.then(release, release);
    return opened.then((plaintext) => ({ frames, plaintext }));
  }
}

function* split({ frames, plaintext }: OpenedJob): Generator<OpenedFrame> {
  for (let i = 0; i < frames.length; i++) yield { frame: frames[i]!, plaintext: plaintext[i]! };
}
