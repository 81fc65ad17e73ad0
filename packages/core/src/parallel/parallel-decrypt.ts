import { DecryptionFailedError } from '../errors.js';
import type { MessageHeader } from '../format/header.js';
import type { DecryptOptions } from '../options.js';
import { FrameReader } from '../stream/frame-reader.js';
import { openDecryption } from '../stream/open-decryption.js';
import { PlaintextRelease } from '../stream/plaintext-release.js';
import { createVerifier } from '../suites/signature.js';
import { FramePool } from './frame-pool.js';
import { ParallelBodyReader } from './parallel-body-reader.js';
import type { ResolvedParallel } from './parallel-options.js';

/**
 * {@link decryptMessage} with the frames opened on a worker pool. The release rules are the same
 * (docs/streaming.md): a frame's plaintext exists on this thread only once its tag verified in a
 * worker; for signed suites the last frame with content waits for the signature, which this thread
 * verifies over the bytes as the frame reader passes them, alongside the workers.
 */
export async function* decryptMessageParallel(
  source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  options: DecryptOptions,
  parallel: ResolvedParallel,
  onHeader?: (header: MessageHeader) => void,
): AsyncGenerator<Buffer> {
  const { queue, limits, parsed, key, verificationKey } = await openDecryption(source, options);
  const { header } = parsed;

  const releaser = new PlaintextRelease(options, header.suite.signature !== undefined);
  let pool: FramePool | undefined;
  let opener: ParallelBodyReader | undefined;
  try {
    pool = new FramePool(parallel.workers, parallel.workerUrl);
    // The content key goes to each worker once, for this message only (slot 0).
    pool.installKey(0, header.suite.id, key, header.messageId, header.frameLength);
    key.fill(0);
    opener = new ParallelBodyReader(
      pool,
      0,
      header.suite.tagLength,
      header.frameLength,
      parallel.maxJobsInFlight,
    );
    const verifier = header.suite.signature ? createVerifier(header.suite.signature) : undefined;
    verifier?.update(parsed.raw);
    onHeader?.(header);

    // The same release rule as one thread, applied to frames as they come back in order.
    const release = ({ frame, plaintext }: { frame: { length: number }; plaintext: Buffer }) =>
      releaser.frame([plaintext], frame.length);
    const body = new FrameReader(queue, header, limits.maxFrameLength, (piece) => verifier?.update(piece));
    for await (const frame of body.frames()) {
      for await (const opened of opener.add(frame, await body.content(frame))) yield* release(opened);
    }
    for await (const opened of opener.end()) yield* release(opened);
    if (verifier && verificationKey && !verifier.verify(verificationKey, await body.footer())) {
      throw new DecryptionFailedError();
    }
    await body.assertEnd();
    yield* releaser.end();
  } finally {
    releaser.wipe();
    key.fill(0);
    opener?.discard();
    await pool?.close();
  }
}
