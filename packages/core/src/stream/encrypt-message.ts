import { LimitExceededError } from '../errors.js';
import { serializeFooter } from '../format/body.js';
import type { MessageHeader } from '../format/header.js';
import type { EncryptDetails } from '../format/message-format.js';
import type { EncryptOptions } from '../options.js';
import { createSigner } from '../suites/signature.js';
import { toBuffer } from './chunk-queue.js';
import { FramedBodyWriter } from './frame-encryptor.js';
import { openEncryption } from './open-encryption.js';

/**
 * Encrypts a plaintext stream into one AWS Encryption SDK message (framed body). Memory is bounded
 * by the frame length: input chunks are held by reference until their frame is full, then encrypted.
 * `onHeader` is called once the header is built, before any body byte is produced.
 */
export async function* encryptMessage(
  source: AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string>,
  options: EncryptOptions,
  onHeader?: (header: MessageHeader, details: EncryptDetails) => void,
): AsyncGenerator<Buffer> {
  const { suite, frameLength, materials, plaintextLimit, header, headerBytes, key } =
    await openEncryption(options);
  let remainingAllowed = plaintextLimit;
  const { signingKey, skippedMasterKeys } = materials;
  try {
    const signer = suite.signature ? createSigner(suite.signature) : undefined;
    onHeader?.(header, { skippedMasterKeys });
    signer?.update(headerBytes);
    yield headerBytes;

    const body = new FramedBodyWriter(suite, key, header.messageId, frameLength);
    for await (const input of source) {
      const chunk = toBuffer(input);
      remainingAllowed -= chunk.length;
      if (remainingAllowed < 0) {
        throw new LimitExceededError('More plaintext was given than the declared plaintextLength.');
      }
      for (const out of body.write(chunk)) {
        signer?.update(out);
        yield out;
      }
    }
    for (const out of body.end()) {
      signer?.update(out);
      yield out;
    }
    if (signer && signingKey) yield serializeFooter(signer.sign(signingKey));
  } finally {
    key.fill(0);
  }
}
