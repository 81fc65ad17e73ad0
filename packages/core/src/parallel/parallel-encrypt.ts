import { LimitExceededError } from '../errors.js';
import { serializeFooter } from '../format/body.js';
import type { MessageHeader } from '../format/header.js';
import type { EncryptDetails } from '../format/message-format.js';
import type { EncryptOptions } from '../options.js';
import { toBuffer } from '../stream/chunk-queue.js';
import { openEncryption } from '../stream/open-encryption.js';
import { createSigner } from '../suites/signature.js';
import { FramePool } from './frame-pool.js';
import { ParallelBodyWriter } from './parallel-body-writer.js';
import type { ResolvedParallel } from './parallel-options.js';

/**
 * {@link encryptMessage} with the frames sealed on a worker pool: same checks, same header, same
 * bytes. The main thread reads the input, hands out sequence numbers, emits the sealed frames in
 * order and feeds them to the signer (0x0578), which so runs alongside the workers. The pool lives
 * as long as the message: it is closed when the generator finishes, fails or is returned early.
 */
export async function* encryptMessageParallel(
  source: AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string>,
  options: EncryptOptions,
  parallel: ResolvedParallel,
  onHeader?: (header: MessageHeader, details: EncryptDetails) => void,
): AsyncGenerator<Buffer> {
  const { suite, frameLength, materials, plaintextLimit, header, headerBytes, key } =
    await openEncryption(options);
  let remainingAllowed = plaintextLimit;
  const { signingKey, skippedMasterKeys } = materials;
  let pool: FramePool | undefined;
  let body: ParallelBodyWriter | undefined;
  try {
    pool = new FramePool(parallel.workers, parallel.workerUrl);
    // The content key goes to each worker once, for this message only (slot 0).
    pool.installKey(0, suite.id, key, header.messageId, frameLength);
    key.fill(0); // the workers hold their copies now; this thread needs the key no more
    body = new ParallelBodyWriter(pool, 0, frameLength, parallel.maxJobsInFlight);
    const signer = suite.signature ? createSigner(suite.signature) : undefined;
    const emit = (bytes: Buffer): Buffer => {
      signer?.update(bytes);
      return bytes;
    };
    onHeader?.(header, { skippedMasterKeys });
    yield emit(headerBytes);

    for await (const input of source) {
      const chunk = toBuffer(input);
      remainingAllowed -= chunk.length;
      if (remainingAllowed < 0) {
        throw new LimitExceededError('More plaintext was given than the declared plaintextLength.');
      }
      for await (const sealed of body.write(chunk)) for (const out of sealed) yield emit(out);
    }
    for await (const sealed of body.end()) for (const out of sealed) yield emit(out);
    if (signer && signingKey) yield serializeFooter(signer.sign(signingKey));
  } finally {
    key.fill(0);
    await pool?.close();
    body?.discard(); // zero-fills the shared slabs that held plaintext, now that no worker reads them
  }
}
