import { parentPort } from 'node:worker_threads';
import type { MessageHeader } from '../format/header.js';
import { decryptFrame } from '../stream/frame-decrypt.js';
import { getSuite } from '../suites/algorithm-suites.js';
import { FileJobRunner } from './file-jobs.js';
import { type SlotKey, seal } from './frame-seal.js';
import {
  claimFileJob,
  type FromWorker,
  type JobReply,
  type KeyMessage,
  type OpenMessage,
  type ToWorker,
  type WorkerFailure,
} from './worker-protocol.js';

/**
 * The body of a frame worker thread: holds the content keys it is sent (one per message and slot)
 * and the shared input slabs, and seals or opens runs of frames on request. Its output pieces are
 * the buffers node:crypto returns, transferred as they are (no copy on either thread). It says
 * `ready` once it listens, and zero-fills its keys (then says `closed`) when the pool closes it.
 * Exported so that an application that bundles @envelope/core can emit its own worker entry point
 * (a file that calls this) beside its bundle; see docs/streaming.md.
 */
export function runFrameWorker(): void {
  const port = parentPort;
  if (!port) throw new Error('runFrameWorker() must run in a worker thread started by @envelope/core.');
  const slots = new Map<number, SlotKey>();
  const slabs = new Map<number, Buffer>();
  const files = new FileJobRunner();
  const slotOf = (id: number): SlotKey => {
    const slot = slots.get(id);
    if (!slot) throw new Error(`No content key in slot ${id}.`);
    return slot;
  };
  port.on('message', (message: ToWorker) => {
    switch (message.type) {
      case 'key':
        slots.set(message.slot, slotKey(message));
        return;
      case 'slab':
        slabs.set(message.id, Buffer.from(message.buffer));
        return;
      case 'drop-slab':
        slabs.delete(message.id);
        return;
      case 'close':
        for (const slot of slots.values()) slot.key.fill(0);
        slots.clear();
        slabs.clear();
        port.postMessage({ type: 'closed' } satisfies FromWorker);
        port.close();
        return;
      default: {
        let reply: JobReply;
        let output: ArrayBuffer[] = [];
        try {
          if (message.type === 'seal-file' || message.type === 'open-file') {
            // Claimed first: a job the main thread took back is skipped before anything of it is read.
            if (claimFileJob(message.claim)) {
              if (message.type === 'seal-file') files.seal(slotOf(message.slot), message);
              else files.open(slotOf(message.slot), message);
            }
          } else {
            const slot = slotOf(message.slot);
            const slab = slabs.get(message.slab);
            if (!slab) throw new Error(`No shared slab ${message.slab}.`);
            output = transferable(
              message.type === 'seal' ? seal(slot, slab, message) : open(slot, slab, message),
            );
          }
          reply = { id: message.id, pieces: output };
        } catch (error) {
          reply = { id: message.id, failure: failureOf(error) };
        }
        port.postMessage(reply, output);
      }
    }
  });
  port.postMessage({ type: 'ready' } satisfies FromWorker);
}

/** Errors whose class the pool raises again on the main thread, by code (see FramePool). */
const TYPED_FAILURES = new Set(['ENVELOPE_BODY_INVALID', 'ENVELOPE_INVALID_ARGUMENT']);

/**
 * What the main thread is told of a failed job. A system error of a file job's positional read or
 * write (ENOSPC, EIO, EBADF …) keeps its code, syscall and errno, so the pool raises the error a
 * job run inline raises; its message is Node's ("ENOSPC: no space left on device, write"), which
 * holds no data or key bytes.
 */
function failureOf(error: unknown): WorkerFailure {
  const { code, syscall, errno } = error as NodeJS.ErrnoException;
  if (code === 'ENVELOPE_DECRYPTION_FAILED') return 'auth';
  const message = String((error as Error).message);
  if (typeof code === 'string' && /^E[A-Z0-9]+$/.test(code) && typeof syscall === 'string') {
    return { message, code, syscall, ...(typeof errno === 'number' ? { errno } : {}) };
  }
  return { message, ...(code && TYPED_FAILURES.has(code) ? { code } : {}) };
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
 * Opens every frame of the job, one plaintext piece per frame; any frame that fails its tag fails
 * the whole job: the pieces already opened are zero-filled and nothing is returned.
 */
function open(slot: SlotKey, slab: Buffer, job: OpenMessage): Buffer[] {
  const header = { suite: slot.suite } as MessageHeader; // decryptFrame reads only the suite
  const pieces: Buffer[] = [];
  try {
    let offset = 0;
    for (const frame of job.frames) {
      const ciphertext = slab.subarray(offset, offset + frame.length);
      const tag = slab.subarray(offset + frame.length, offset + frame.length + slot.suite.tagLength);
      offset += frame.length + slot.suite.tagLength;
      const info = {
        final: false,
        sequenceNumber: 0,
        iv: Buffer.from(frame.iv),
        aad: Buffer.from(frame.aad),
        length: frame.length,
      };
      const plaintext = decryptFrame(header, slot.key, info, { ciphertext: [ciphertext], tag });
      pieces.push(plaintext.length === 1 ? plaintext[0]! : Buffer.concat(plaintext));
    }
    return pieces;
  } catch (error) {
    for (const piece of pieces) piece.fill(0);
    throw error;
  }
}

/**
 * Each piece as an ArrayBuffer of its own, to be transferred: node:crypto's outputs already are
 * (so they move without a copy); a small piece that is a view of a shared pool is copied.
 */
function transferable(pieces: readonly Buffer[]): ArrayBuffer[] {
  return pieces.map((piece) => {
    if (
      piece.byteOffset === 0 &&
      piece.byteLength === piece.buffer.byteLength &&
      piece.buffer instanceof ArrayBuffer
    ) {
      return piece.buffer;
    }
    const copy = new ArrayBuffer(piece.length);
    piece.copy(new Uint8Array(copy));
    if (piece.buffer instanceof ArrayBuffer) piece.fill(0);
    return copy;
  });
}
