import { createCipheriv } from 'node:crypto';
import { parentPort } from 'node:worker_threads';
import { BodyAadContent, bodyAad, finalFrameHeader, frameIv, regularFrameHeader } from '../format/body.js';
import type { MessageHeader } from '../format/header.js';
import { decryptFrame } from '../stream/decrypt-message.js';
import { type AlgorithmSuite, getSuite } from '../suites/algorithm-suites.js';
import type { FromWorker, KeyMessage, OpenMessage, SealMessage, ToWorker } from './worker-protocol.js';

interface SlotKey {
  readonly suite: AlgorithmSuite;
  readonly key: Buffer;
  readonly messageId: Buffer;
  readonly frameLength: number;
}

/**
 * The body of a frame worker thread: holds the content keys it is sent (one per message and slot)
 * and seals or opens runs of frames on request. Keys are zero-filled when the pool closes the worker.
 * Exported so that an application that bundles @envelope/core can emit its own worker entry point
 * (a file that calls this) beside its bundle; see docs/streaming.md.
 */
export function runFrameWorker(): void {
  const port = parentPort;
  if (!port) throw new Error('runFrameWorker() must run in a worker thread started by @envelope/core.');
  const slots = new Map<number, SlotKey>();
  port.on('message', (message: ToWorker) => {
    switch (message.type) {
      case 'key':
        slots.set(message.slot, slotKey(message));
        return;
      case 'close':
        for (const slot of slots.values()) slot.key.fill(0);
        slots.clear();
        port.close();
        return;
      default: {
        let reply: FromWorker;
        let output: Buffer | undefined;
        try {
          const slot = slots.get(message.slot);
          if (!slot) throw new Error(`No content key in slot ${message.slot}.`);
          output = message.type === 'seal' ? seal(slot, message) : open(slot, message);
          reply = { id: message.id, bytes: output.buffer as ArrayBuffer };
        } catch (error) {
          const auth = (error as { code?: string }).code === 'ENVELOPE_DECRYPTION_FAILED';
          reply = { id: message.id, failure: auth ? 'auth' : { message: String((error as Error).message) } };
        }
        port.postMessage(reply, output ? [output.buffer as ArrayBuffer] : []);
      }
    }
  });
}

function slotKey(message: KeyMessage): SlotKey {
  return {
    suite: getSuite(message.suiteId),
    key: Buffer.from(message.key),
    messageId: Buffer.from(message.messageId),
    frameLength: message.frameLength,
  };
}

/**
 * AES-GCM (key, IV) pairs: the key is the message's derived content key (sent once per message);
 * frame n takes IV = n, exactly as FramedBodyWriter numbers them on one thread. The pool hands each
 * sequence number to one job only, in order, so no pair repeats within the message, and another
 * message has another content key (its own random message id).
 */
function seal(slot: SlotKey, job: SealMessage): Buffer {
  const { suite, key, messageId, frameLength } = slot;
  const plaintext = Buffer.from(job.plaintext);
  const finalLength = job.final ? plaintext.length - job.regular * frameLength : 0;
  const pieces: Buffer[] = [];
  const frame = (seq: number, final: boolean, content: Buffer) => {
    const iv = frameIv(suite.ivLength, seq);
    pieces.push(final ? finalFrameHeader(seq, iv, content.length) : regularFrameHeader(seq, iv));
    const cipher = createCipheriv(suite.cipher, key, iv, { authTagLength: suite.tagLength });
    const kind = final ? BodyAadContent.FINAL_FRAME : BodyAadContent.FRAME;
    cipher.setAAD(bodyAad(messageId, kind, seq, content.length));
    pieces.push(cipher.update(content), cipher.final(), cipher.getAuthTag());
  };
  for (let i = 0; i < job.regular; i++) {
    frame(job.firstSequenceNumber + i, false, plaintext.subarray(i * frameLength, (i + 1) * frameLength));
  }
  if (job.final)
    frame(job.firstSequenceNumber + job.regular, true, plaintext.subarray(plaintext.length - finalLength));
  plaintext.fill(0); // this worker's copy of the plaintext
  return joinOwned(pieces);
}

/** Opens every frame of the job; any frame that fails its tag fails the whole job (nothing returned). */
function open(slot: SlotKey, job: OpenMessage): Buffer {
  const data = Buffer.from(job.data);
  const header = { suite: slot.suite } as MessageHeader; // decryptFrame reads only the suite
  const pieces: Buffer[] = [];
  try {
    let offset = 0;
    for (const frame of job.frames) {
      const ciphertext = data.subarray(offset, offset + frame.length);
      const tag = data.subarray(offset + frame.length, offset + frame.length + slot.suite.tagLength);
      offset += frame.length + slot.suite.tagLength;
      const info = {
        final: false,
        sequenceNumber: 0,
        iv: Buffer.from(frame.iv),
        aad: Buffer.from(frame.aad),
        length: frame.length,
      };
      pieces.push(...decryptFrame(header, slot.key, info, { ciphertext: [ciphertext], tag }));
    }
    return joinOwned(pieces);
  } finally {
    for (const piece of pieces) piece.fill(0);
  }
}

/** Concatenates into a buffer that owns its whole ArrayBuffer, so it can be transferred. */
function joinOwned(pieces: readonly Buffer[]): Buffer {
  let length = 0;
  for (const piece of pieces) length += piece.length;
  const out = Buffer.allocUnsafeSlow(length);
  let offset = 0;
  for (const piece of pieces) offset += piece.copy(out, offset);
  return out;
}
