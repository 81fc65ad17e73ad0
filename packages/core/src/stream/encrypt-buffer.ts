import { framedMessageLengthBound } from '../format/body.js';
import type { MessageHeader } from '../format/header.js';
import type { EncryptDetails } from '../format/message-format.js';
import type { EncryptOptions } from '../options.js';
import { MessageWriter } from './message-writer.js';
import { openEncryption } from './open-encryption.js';
import { OutputBuffer } from './output-buffer.js';

/**
 * A plaintext held in memory encrypted on one thread into one buffer: the same bytes as
 * {@link encryptMessage}, with the frames written straight into an output allocated up front at the
 * message's length, with no async generator step (a promise) per frame piece.
 */
export async function encryptBuffer(
  plaintext: Buffer,
  options: EncryptOptions,
): Promise<{ ciphertext: Buffer; header: MessageHeader; details: EncryptDetails }> {
  const opened = await openEncryption({ plaintextLength: plaintext.length, ...options });
  // The output is one buffer: the signer (signed suites) hashes it in large regions as it fills.
  const writer = new MessageWriter(opened, { callerHashes: true });
  try {
    const { suite, frameLength, headerBytes } = opened;
    const output = new OutputBuffer();
    output.reserve(framedMessageLengthBound(suite, frameLength, headerBytes.length, plaintext.length));
    let details: EncryptDetails | undefined;
    // A signed suite's signer hashes the bytes where they are stored (a view per piece); else no view.
    const put = suite.signature
      ? (piece: Buffer) => writer.hashOutput(output.pushStored(piece))
      : (piece: Buffer) => output.push(piece);
    for (const piece of writer.start((_, d) => (details = d))) put(piece);
    for (const piece of writer.write(plaintext)) put(piece);
    for (const piece of writer.end()) put(piece);
    return { ciphertext: output.result(), header: opened.header, details: details! };
  } finally {
    writer.close();
  }
}
