import type { MessageHeader } from '../format/header.js';
import type { EncryptDetails } from '../format/message-format.js';
import type { EncryptOptions } from '../options.js';
import { toBuffer } from './chunk-queue.js';
import { MessageWriter } from './message-writer.js';
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
  const writer = new MessageWriter(await openEncryption(options));
  try {
    yield* writer.start(onHeader);
    for await (const input of source) yield* writer.write(toBuffer(input));
    yield* writer.end();
  } finally {
    writer.close();
  }
}
