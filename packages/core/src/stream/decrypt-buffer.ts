import { framedPlaintextLength } from '../format/body.js';
import { ContentType, type MessageHeader } from '../format/header.js';
import type { DecryptOptions } from '../options.js';
import { DecryptBody } from './decrypt-body.js';
import { openNextFrame } from './decrypt-message.js';
import { openDecryption } from './open-decryption.js';
import { OutputBuffer } from './output-buffer.js';

/**
 * A message held in memory decrypted on one thread into one buffer: the checks and errors of
 * {@link decryptMessage}, with each frame's plaintext copied into one output of the plaintext's exact
 * length, allocated before the first frame (and the decipher's piece zero-filled), as soon as its tag
 * verified, with no async generator step per frame. Nothing is returned unless the whole message,
 * signature included, authenticated; on failure every decrypted byte is zero-filled.
 */
export async function decryptBuffer(
  ciphertext: Buffer,
  options: DecryptOptions,
): Promise<{ plaintext: Buffer; header: MessageHeader }> {
  const message = await openDecryption([ciphertext], options);
  const { parsed, key } = message;
  const { header } = parsed;
  // A message with one frame of content (every small message) is returned as the decipher's own
  // output, no copy. A longer one goes into one allocation of the length its frames claim (checked
  // by their tags as they are decrypted; a wrong claim only costs the allocation's fit), so the result
  // owns exactly its bytes, with no allocation at an upper bound and no tail left unused.
  const output = new OutputBuffer();
  const { frameLength, suite } = header;
  const claimed =
    header.contentType === ContentType.FRAMED
      ? framedPlaintextLength(ciphertext.subarray(parsed.length), frameLength, suite)
      : undefined;
  if (claimed !== undefined && claimed > frameLength) output.reserve(claimed);
  else output.reserveFromSecond(ciphertext.length);
  try {
    // The frames are views of the one input buffer, read in order with no await between them: the
    // verifier hashes them in large contiguous regions rather than three pieces a frame.
    const body = new DecryptBody(message, { inOneBuffer: true });
    // Every byte is buffered: openNextFrame answers synchronously (a non-framed body is the one
    // promise).
    for (;;) {
      const step = openNextFrame(body.frames, header, key);
      const opened = step instanceof Promise ? await step : step;
      if (!opened) break;
      for (const piece of opened.plaintext) output.push(piece, true);
    }
    const end = body.end();
    if (end instanceof Promise) await end;
    return { plaintext: output.result(), header };
  } catch (error) {
    output.zero();
    throw error;
  } finally {
    key.fill(0);
  }
}
