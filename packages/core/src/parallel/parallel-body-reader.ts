import type { FrameContent, FrameInfo } from '../stream/frame-reader.js';
import type { FramePool } from './frame-pool.js';
import { OrderedJobs } from './ordered-jobs.js';
import { JOB_BYTES } from './parallel-options.js';
import type { OpenFrame } from './worker-protocol.js';

/** One authenticated frame's plaintext, handed back in sequence order. */
export interface OpenedFrame {
  readonly frame: FrameInfo;
  readonly plaintext: Buffer;
}

interface OpenedJob {
  readonly frames: readonly FrameInfo[];
  readonly plaintext: Buffer;
}

/**
 * Opens frames on the pool in runs of about {@link JOB_BYTES}: each frame's ciphertext and tag are
 * copied into the job's buffer as the frame reader hands them over (the reader has already fed them
 * to the signature verifier, on this thread). A job's plaintext comes back only when every frame in
 * it authenticated under the content key in `slot`; a job with a bad tag fails with
 * DecryptionFailedError and releases nothing. Frames come back strictly in sequence order.
 */
export class ParallelBodyReader {
  readonly #jobs: OrderedJobs<OpenedJob>;
  #frames: FrameInfo[] = [];
  #content: Buffer[] = [];
  #contentLength = 0;

  constructor(
    private readonly pool: FramePool,
    private readonly slot: number,
    private readonly tagLength: number,
    maxJobsInFlight: number,
  ) {
    this.#jobs = new OrderedJobs(maxJobsInFlight);
  }

  /** Adds a frame (its content as views of the input); yields frames opened so far, in order. */
  async *add(frame: FrameInfo, content: FrameContent): AsyncGenerator<OpenedFrame> {
    this.#frames.push(frame);
    this.#content.push(...content.ciphertext, content.tag);
    this.#contentLength += frame.length + this.tagLength;
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
    this.#jobs.abandon(({ plaintext }) => plaintext.fill(0));
  }

  #dispatch(): Promise<OpenedJob> {
    const frames = this.#frames;
    const data = Buffer.allocUnsafeSlow(this.#contentLength);
    let offset = 0;
    for (const piece of this.#content) offset += piece.copy(data, offset);
    this.#frames = [];
    this.#content = [];
    this.#contentLength = 0;
    const open: OpenFrame[] = frames.map(({ iv, aad, length }) => ({ iv, aad, length }));
    return this.pool.open(this.slot, open, data).then((plaintext) => ({ frames, plaintext }));
  }
}

function* split({
  frames,
  plaintext,
}: {
  frames: readonly FrameInfo[];
  plaintext: Buffer;
}): Generator<OpenedFrame> {
  let offset = 0;
  for (const frame of frames) {
    yield { frame, plaintext: plaintext.subarray(offset, offset + frame.length) };
    offset += frame.length;
  }
}
