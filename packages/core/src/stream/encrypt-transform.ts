import { Transform, type TransformCallback } from 'node:stream';
import type { MessageHeader } from '../format/header.js';
import type { EncryptDetails } from '../format/message-format.js';
import type { EncryptOptions } from '../options.js';
import { MessageWriter } from './message-writer.js';
import { openEncryption } from './open-encryption.js';

/**
 * {@link encryptMessage} as a Node Transform: the same message bytes, but each chunk is a callback,
 * not a trip through an async generator and the promises of `Duplex.from`. The materials are fetched
 * on the first chunk (or at the end, for an empty plaintext); after that every chunk is handled
 * synchronously. Backpressure: a chunk's frames are pushed one by one, and when the readable side is
 * full the rest wait for the reader (so a chunk of many frames is never all ciphertext at once).
 */
export function encryptTransform(
  options: EncryptOptions,
  onHeader?: (header: MessageHeader, details: EncryptDetails) => void,
): Transform {
  let writer: MessageWriter | undefined;
  let opening: Promise<MessageWriter> | undefined;
  const open = (): Promise<MessageWriter> => {
    opening ??= openEncryption(options).then((opened) => {
      const started = new MessageWriter(opened);
      // Destroyed while the materials were on their way: nothing more is written; drop the key.
      if (stream.destroyed) {
        started.close();
        throw new Error('The encrypt stream was destroyed before its header was written.');
      }
      writer = started;
      for (const piece of started.start(onHeader)) stream.push(piece);
      return started;
    });
    return opening;
  };
  const stream: PacedTransform = new PacedTransform({
    transform(chunk: Buffer, _encoding, done: TransformCallback) {
      if (!writer) {
        open().then(
          (opened) => stream.pushPaced(opened.write(chunk), done),
          (error: Error) => done(error),
        );
        return;
      }
      stream.pushPaced(writer.write(chunk), done);
    },
    flush(done: TransformCallback) {
      open().then(
        (opened) => stream.pushPaced(opened.end(), done),
        (error: Error) => done(error),
      );
    },
    destroy(error, done) {
      writer?.close();
      done(error);
    },
  });
  return stream;
}

/** A Transform that pushes a run of pieces at the reader's pace. */
class PacedTransform extends Transform {
  #resume: (() => void) | undefined;

  /**
   * Pushes `pieces` in order (a generator: each is made when needed); when the readable side is
   * full, waits for the reader to ask for more before it makes the next. Calls `done` at the end,
   * or with the error a piece threw.
   */
  pushPaced(pieces: Iterator<Buffer>, done: TransformCallback): void {
    for (;;) {
      let next: IteratorResult<Buffer>;
      try {
        next = pieces.next();
      } catch (error) {
        done(error as Error);
        return;
      }
      if (next.done) break;
      if (!this.push(next.value)) {
        this.#resume = () => this.pushPaced(pieces, done);
        return;
      }
    }
    done();
  }

  override _read(size: number): void {
    const resume = this.#resume;
    if (resume) {
      this.#resume = undefined;
      resume();
      return;
    }
    super._read(size);
  }
}
