import { createDecipheriv } from 'node:crypto';
import { DecryptionFailedError } from '../errors.js';
import type { MessageHeader } from '../format/header.js';
import type { FrameInfo } from './frame-reader.js';

// One frame's AES-GCM open, in a module of its own: the frame workers load it without the decrypt
// stream's imports (header parsing, materials, key derivation).

/** Decrypts one frame; its plaintext is zero-filled and dropped if the tag does not verify. */
export function decryptFrame(
  header: MessageHeader,
  key: Buffer,
  frame: FrameInfo,
  { ciphertext, tag }: { ciphertext: Buffer[]; tag: Buffer },
): Buffer[] {
  const { suite } = header;
  const decipher = createDecipheriv(suite.cipher, key, frame.iv, { authTagLength: suite.tagLength });
  decipher.setAAD(frame.aad);
  decipher.setAuthTag(tag);
  const plaintext = ciphertext.map((piece) => decipher.update(piece));
  try {
    const tail = decipher.final();
    if (tail.length) plaintext.push(tail);
  } catch (cause) {
    for (const piece of plaintext) piece.fill(0);
    throw new DecryptionFailedError({ cause });
  }
  return plaintext;
}
