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
 * synchronously. Backpressure is the Transform's: it takes no chunk while its readable side is full.
 */
export function encryptTransform(
  options: EncryptOptions,
  onHeader?: (header: MessageHeader, details: EncryptDetails) => void,
): Transform {
  let writer: MessageWriter | undefined;
  let opening: Promise<MessageWriter> | undefined;
  const pushAll = (stream: Transform, pieces: Iterable<Buffer>) => {
    for (const piece of pieces) stream.push(piece);
  };
  const open = (stream: Transform): Promise<MessageWriter> => {
    opening ??= openEncryption(options).then((opened) => {
      const started = new MessageWriter(opened);
      // Destroyed while the materials were on their way: nothing more is written; drop the key.
      if (stream.destroyed) {
        started.close();
        throw new Error('The encrypt stream was destroyed before its header was written.');
      }
      writer = started;
      pushAll(stream, started.start(onHeader));
      return started;
    });
    return opening;
  };
  return new Transform({
    transform(chunk: Buffer, _encoding, done: TransformCallback) {
      if (!writer) {
        open(this)
          .then((opened) => pushAll(this, opened.write(chunk)))
          .then(() => done(), done);
        return;
      }
      try {
        pushAll(this, writer.write(chunk));
      } catch (error) {
        done(error as Error);
        return;
      }
      done();
    },
    flush(done: TransformCallback) {
      open(this)
        .then((opened) => pushAll(this, opened.end()))
        .then(() => done(), done);
    },
    destroy(error, done) {
      writer?.close();
      done(error);
    },
  });
}
