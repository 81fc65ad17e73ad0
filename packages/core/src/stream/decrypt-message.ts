import { createDecipheriv } from 'node:crypto';
import { DecryptionFailedError } from '../errors.js';
import type { MessageHeader } from '../format/header.js';
import type { DecryptOptions } from '../options.js';
import { createVerifier } from '../suites/signature.js';
import { type FrameInfo, FrameReader } from './frame-reader.js';
import { openDecryption } from './open-decryption.js';
import { PlaintextRelease } from './plaintext-release.js';

/**
 * Decrypts one message from a byte stream. Plaintext of a frame is released only after that frame's
 * tag verified; see {@link DecryptOptions.releasePlaintext} for what waits on the signature.
 * `onHeader` is called once the header authenticated, before any plaintext is produced.
 */
export async function* decryptMessage(
  source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  options: DecryptOptions,
  onHeader?: (header: MessageHeader) => void,
): AsyncGenerator<Buffer> {
  const { queue, limits, parsed, key, verificationKey } = await openDecryption(source, options);
  const { header } = parsed;

  const release = new PlaintextRelease(options, header.suite.signature !== undefined);
  try {
    const verifier = header.suite.signature ? createVerifier(header.suite.signature) : undefined;
    verifier?.update(parsed.raw);
    onHeader?.(header);

    const body = new FrameReader(queue, header, limits.maxFrameLength, (piece) => verifier?.update(piece));
    // body.next() and body.content() answer synchronously when the bytes are buffered: a message in
    // memory then costs one step of this generator per frame, no other trip through the event loop.
    for (;;) {
      const next = body.next();
      const frame = next instanceof Promise ? await next : next;
      if (!frame) break;
      const content = body.content(frame);
      const plaintext = decryptFrame(
        header,
        key,
        frame,
        content instanceof Promise ? await content : content,
      );
      yield* release.frame(plaintext, frame.length);
    }
    if (verifier && verificationKey && !verifier.verify(verificationKey, await body.footer())) {
      throw new DecryptionFailedError();
    }
    await body.assertEnd();
    yield* release.end();
  } finally {
    release.wipe();
    key.fill(0);
  }
}

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
