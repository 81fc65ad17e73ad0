import { readSync, writevSync } from 'node:fs';
import { BodyFormatError, InvalidArgumentError } from '../errors.js';
import {
  BodyAadContent,
  bodyAad,
  FINAL_FRAME_MARKER,
  finalFrameBytes,
  regularFrameBytes,
} from '../format/body.js';
import type { MessageHeader } from '../format/header.js';
import { decryptFrame } from '../stream/frame-decrypt.js';
import type { FileJob } from './file-layout.js';
import { type SlotKey, seal } from './frame-seal.js';

/** A file job with the descriptors it reads from and writes to (opened by the main thread). */
export interface FileJobIo extends FileJob {
  readonly input: number;
  readonly output: number;
}

/**
 * One file job, wherever it runs: a job reads its own bytes from the input file (positional reads
 * of one run of whole frames into a buffer this runner reuses), seals or opens them, and writes the
 * result at its own place in the output file. A frame worker runs jobs with it (no byte of the body
 * crosses threads), and so does the main thread (run-file-jobs.ts).
 */
export class FileJobRunner {
  #buffer = Buffer.alloc(0);

  /**
   * Seals one run of frames. (key, IV): the content key in `slot` (this message's derived key) and
   * IV = the frame's sequence number, which the main thread's job numbering gives to one job only.
   */
  seal(slot: SlotKey, job: FileJobIo): void {
    const length = job.regular * slot.frameLength + job.finalLength;
    const plaintext = this.#read(job.input, length, job.plaintextOffset);
    try {
      if (plaintext.length < length) {
        throw new InvalidArgumentError(
          'The input file became shorter while it was being encrypted; encrypt a file nothing else is writing to.',
        );
      }
      const frames = seal(slot, plaintext, {
        firstSequenceNumber: job.firstSequenceNumber,
        regular: job.regular,
        final: job.final,
        length,
      });
      writeAll(job.output, frames, job.ciphertextOffset);
    } finally {
      plaintext.fill(0);
    }
  }

  /**
   * Opens one run of frames, checking every frame header against the place the file's length gave
   * it (sequence number, final marker, final content length), and writes their plaintext only once
   * every frame of the run authenticated; on any failure nothing of the run is written.
   */
  open(slot: SlotKey, job: FileJobIo): void {
    const { suite, frameLength, messageId, key } = slot;
    const length =
      job.regular * regularFrameBytes(suite, frameLength) +
      (job.final ? finalFrameBytes(suite, job.finalLength) : 0);
    const bytes = this.#read(job.input, length, job.ciphertextOffset);
    if (bytes.length < length) {
      throw new BodyFormatError('The message file became shorter while it was being decrypted.');
    }
    const header = { suite } as MessageHeader; // decryptFrame reads only the suite
    const plaintext: Buffer[] = [];
    try {
      let at = 0;
      const frame = (seq: number, final: boolean, contentLength: number) => {
        const iv = bytes.subarray(at, at + suite.ivLength);
        at += suite.ivLength;
        if (final) {
          const claimed = bytes.readUInt32BE(at);
          if (claimed !== contentLength) {
            throw new BodyFormatError(
              `The final frame claims ${claimed} bytes of content, but the file's length leaves room for ${contentLength}: the file is truncated or has bytes appended.`,
            );
          }
          at += 4;
        }
        const ciphertext = bytes.subarray(at, at + contentLength);
        const tag = bytes.subarray(at + contentLength, at + contentLength + suite.tagLength);
        at += contentLength + suite.tagLength;
        const kind = final ? BodyAadContent.FINAL_FRAME : BodyAadContent.FRAME;
        const aad = bodyAad(messageId, kind, seq, contentLength);
        const info = { final, sequenceNumber: seq, iv, aad, length: contentLength };
        plaintext.push(...decryptFrame(header, key, info, { ciphertext: [ciphertext], tag }));
      };
      for (let i = 0; i < job.regular; i++) {
        const seq = job.firstSequenceNumber + i;
        const field = bytes.readUInt32BE(at);
        at += 4;
        if (field === FINAL_FRAME_MARKER) {
          throw new BodyFormatError(
            `Frame ${seq} is marked final, but the file's length places more frames after it: bytes were appended.`,
          );
        }
        if (field !== seq) {
          throw new BodyFormatError(`Frame sequence number ${field} is out of order; expected ${seq}.`);
        }
        frame(seq, false, frameLength);
      }
      if (job.final) {
        const seq = job.firstSequenceNumber + job.regular;
        const marker = bytes.readUInt32BE(at);
        const field = bytes.readUInt32BE(at + 4);
        at += 8;
        if (marker !== FINAL_FRAME_MARKER) {
          throw new BodyFormatError(
            `Frame ${seq} is where the file's length puts the final frame, but it is not marked final: the file is truncated or has bytes appended.`,
          );
        }
        if (field !== seq) {
          throw new BodyFormatError(`Frame sequence number ${field} is out of order; expected ${seq}.`);
        }
        frame(seq, true, job.finalLength);
      }
      writeAll(job.output, plaintext, job.plaintextOffset);
    } finally {
      for (const piece of plaintext) piece.fill(0);
    }
  }

  /** Reads up to `length` bytes at `position` into the reusable buffer; a view of what was read. */
  #read(fd: number, length: number, position: number): Buffer {
    if (this.#buffer.length < length) this.#buffer = Buffer.allocUnsafeSlow(length);
    let done = 0;
    while (done < length) {
      const n = readSync(fd, this.#buffer, done, length - done, position + done);
      if (n === 0) break;
      done += n;
    }
    return this.#buffer.subarray(0, done);
  }
}

/** At most this many buffers per writev call (below every platform's IOV_MAX). */
const MAX_PIECES = 512;

/** Writes `pieces` one after another at `position`, whatever each writev call managed to write. */
function writeAll(fd: number, pieces: readonly Buffer[], position: number): void {
  let rest = pieces.filter((piece) => piece.length > 0);
  let at = position;
  while (rest.length > 0) {
    let written = writevSync(fd, rest.slice(0, MAX_PIECES), at);
    at += written;
    let i = 0;
    while (i < rest.length && written >= rest[i]!.length) written -= rest[i++]!.length;
    rest = rest.slice(i);
    if (written > 0) rest[0] = rest[0]!.subarray(written);
  }
}
