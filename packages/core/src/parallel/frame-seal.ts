import { createCipheriv } from 'node:crypto';
import { BodyAadContent, bodyAad, finalFrameHeader, frameIv, regularFrameHeader } from '../format/body.js';
import type { AlgorithmSuite } from '../suites/algorithm-suites.js';
import type { SealMessage } from './worker-protocol.js';

// Sealing a run of frames, in a module of its own: what a frame worker and the file mode's jobs
// share, loaded without the message-level code (header, materials, streams).

/** A message's content key and what a frame's IV and AAD are made from, as a worker holds it. */
export interface SlotKey {
  readonly suite: AlgorithmSuite;
  readonly key: Buffer;
  readonly messageId: Buffer;
  readonly frameLength: number;
}

/**
 * AES-GCM (key, IV) pairs: the key is the message's derived content key (sent once per message);
 * frame n takes IV = n, exactly as FramedBodyWriter numbers them on one thread. The pool hands each
 * sequence number to one job only, in order, so no pair repeats within the message, and another
 * message has another content key (its own random message id). The plaintext is read in place from
 * `slab` (a shared slab, or a file job's read buffer), which its owner zero-fills.
 */
export function seal(
  slot: SlotKey,
  slab: Buffer,
  job: Pick<SealMessage, 'firstSequenceNumber' | 'regular' | 'final' | 'length'>,
): Buffer[] {
  const { suite, key, messageId, frameLength } = slot;
  const plaintext = slab.subarray(0, job.length);
  const finalLength = job.final ? plaintext.length - job.regular * frameLength : 0;
  const pieces: Buffer[] = [];
  const frame = (seq: number, final: boolean, content: Buffer) => {
    const iv = frameIv(suite.ivLength, seq);
    const header = final ? finalFrameHeader(seq, iv, content.length) : regularFrameHeader(seq, iv);
    const cipher = createCipheriv(suite.cipher, key, iv, { authTagLength: suite.tagLength });
    const kind = final ? BodyAadContent.FINAL_FRAME : BodyAadContent.FRAME;
    cipher.setAAD(bodyAad(messageId, kind, seq, content.length));
    const ciphertext = cipher.update(content);
    const tail = cipher.final();
    const tag = cipher.getAuthTag();
    // Three pieces per frame, as on one thread: no copy of the ciphertext on either side.
    pieces.push(header, ciphertext);
    if (tail.length) pieces.push(tail);
    pieces.push(tag);
  };
  for (let i = 0; i < job.regular; i++) {
    frame(job.firstSequenceNumber + i, false, plaintext.subarray(i * frameLength, (i + 1) * frameLength));
  }
  if (job.final)
    frame(job.firstSequenceNumber + job.regular, true, plaintext.subarray(plaintext.length - finalLength));
  return pieces;
}
