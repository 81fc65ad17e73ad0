import type { MessageHeader } from '../format/header.js';
import type { FrameReader } from '../stream/frame-reader.js';
import { FramePool } from './frame-pool.js';
import { ParallelBodyReader } from './parallel-body-reader.js';
import { ParallelBodyWriter } from './parallel-body-writer.js';
import type { ResolvedParallel } from './parallel-options.js';

export interface ParallelRewrapBody {
  readonly reader: FrameReader;
  readonly before: MessageHeader;
  /** The original's content key (slot 0) and the new message's (slot 1); the caller zero-fills both. */
  readonly key: Buffer;
  readonly after: MessageHeader;
  readonly newKey: Buffer;
  readonly parallel: ResolvedParallel;
  /** Throws unless the original is whole and authentic; runs before the new final frame is made. */
  readonly verifyOriginal: () => Promise<void>;
}

/**
 * A rewrap's body on a worker pool: the original's frames are opened in runs (slot 0) and their
 * plaintext re-sealed into the new message's frames (slot 1), every frame in order. Each plaintext
 * is zero-filled here once the writer copied it into a job (whose worker zero-fills its copy), and
 * none leaves this function. The new message's final frame is sealed only after `verifyOriginal`.
 */
export async function* rewrapBodyParallel(body: ParallelRewrapBody): AsyncGenerator<Buffer> {
  const { reader, before, after, parallel } = body;
  const pool = new FramePool(parallel.workers, parallel.workerUrl);
  const opener = new ParallelBodyReader(
    pool,
    0,
    before.suite.tagLength,
    before.frameLength,
    parallel.maxJobsInFlight,
  );
  const writer = new ParallelBodyWriter(pool, 1, after.frameLength, parallel.maxJobsInFlight);
  try {
    pool.installKey(0, before.suite.id, body.key, before.messageId, before.frameLength);
    pool.installKey(1, after.suite.id, body.newKey, after.messageId, after.frameLength);
    const reseal = async function* (plaintext: Buffer): AsyncGenerator<Buffer> {
      try {
        for await (const sealed of writer.write(plaintext)) yield* sealed;
      } finally {
        plaintext.fill(0);
      }
    };
    for await (const frame of reader.frames()) {
      for await (const { plaintext } of opener.add(frame, await reader.content(frame)))
        yield* reseal(plaintext);
    }
    for await (const { plaintext } of opener.end()) yield* reseal(plaintext);
    await body.verifyOriginal();
    for await (const sealed of writer.end()) yield* sealed;
  } finally {
    opener.discard();
    await pool.close();
    writer.discard(); // zero-fills the shared slabs that held plaintext, now that no worker reads them
  }
}
