import { Transform, type TransformCallback } from 'node:stream';
import { ContentType, type MessageHeader } from '../format/header.js';
import type { DecryptOptions } from '../options.js';
import { ChunkFeed, type Taken } from './chunk-feed.js';
import { ChunkQueue } from './chunk-queue.js';
import { DecryptBody } from './decrypt-body.js';
import { decryptFrame } from './frame-decrypt.js';
import type { FrameContent, FrameInfo } from './frame-reader.js';
import { openDecryption } from './open-decryption.js';
import { PlaintextRelease } from './plaintext-release.js';

/** A message whose header authenticated: what its body needs. */
interface OpenBody {
  readonly header: MessageHeader;
  readonly key: Buffer;
  readonly body: DecryptBody;
  readonly release: PlaintextRelease;
}

/**
 * {@link decryptMessage} as a Node Transform, with the same checks, limits, errors and release rules
 * (no frame's plaintext before its tag verified; see {@link PlaintextRelease}). The header is read
 * through a {@link ChunkFeed} while the keys are fetched; after that each input chunk is pushed onto
 * the queue and every frame it completes is decrypted synchronously in the chunk's callback: no
 * promise per chunk or per frame. Memory: the frame being assembled (≤ maxFrameLength plus a chunk)
 * and the Transform's readable buffer, which holds the writer back when full.
 */
export function decryptTransform(
  options: DecryptOptions,
  onHeader?: (header: MessageHeader) => void,
): Transform {
  const feed = new ChunkFeed();
  const queue = new ChunkQueue(feed);
  let opening: Promise<OpenBody> | undefined;
  let open: OpenBody | undefined;
  let frame: FrameInfo | undefined;
  let framesDone = false;
  let flushing = false;

  const start = (): Promise<OpenBody> => {
    if (opening) return opening;
    opening = (async () => {
      const message = await openDecryption(queue, options);
      const { parsed, key } = message;
      const { header } = parsed;
      if (stream.destroyed) {
        key.fill(0);
        throw new Error('The decrypt stream was destroyed before its header was read.');
      }
      const frames = new DecryptBody(message);
      open = { header, key, body: frames, release: new PlaintextRelease(options, frames.signed) };
      onHeader?.(header);
      return open;
    })();
    opening.then(
      (m) => {
        // The header ended before the chunk waiting in the feed was read: it belongs to the body.
        const left = feed.reclaim();
        if (left) body(m, left.chunk, left.taken);
      },
      (error: Error) => {
        // The chunk waiting, or else the stream itself, carries the error (a flush reports its own).
        const left = feed.reclaim();
        if (left) left.taken(error);
        else if (!flushing) stream.destroy(error);
      },
    );
    return opening;
  };

  /** A body chunk: queued, then every frame it completes decrypted; `done` once that is over. */
  const body = (m: OpenBody, chunk: Buffer, done: Taken): void => {
    let work: Promise<void> | undefined;
    try {
      queue.push(chunk);
      work = pump(m, false);
    } catch (error) {
      fail(error as Error, done);
      return;
    }
    if (work)
      work.then(
        () => done(),
        (error: Error) => fail(error, done),
      );
    else done();
  };

  // Frames that verified before one failed are released, as the generator would release them: the
  // error waits until the reader has them.
  const fail = (error: Error, done: Taken): void => stream.afterDrain(() => done(error));

  /** Decrypts the frame read last; pushes the plaintext that may be released. */
  const openFrame = (m: OpenBody, content: FrameContent): void => {
    const current = frame!;
    frame = undefined;
    const plaintext = decryptFrame(m.header, m.key, current, content);
    for (const piece of m.release.frame(plaintext, current.length)) stream.push(piece);
    if (current.final) framesDone = true;
  };

  /**
   * Decrypts every frame whose bytes are buffered, pushing what may be released; with `ending` (the
   * input has ended), every frame left, reporting a truncated one. Returns a promise only when it
   * must wait (a non-framed body's fields, or the end of the input).
   */
  const pump = (m: OpenBody, ending: boolean): Promise<void> | undefined => {
    const {
      header,
      body: { frames: reader },
    } = m;
    const { suite } = header;
    // Bytes that hold any frame header: a final frame's is the longest (marker, sequence number, IV,
    // content length); a non-framed body starts with its IV and an 8-byte length.
    const headerBytes =
      header.contentType === ContentType.NON_FRAMED ? suite.ivLength + 8 : 12 + suite.ivLength;
    while (!framesDone) {
      if (!frame) {
        if (!ending && queue.buffered < headerBytes) return undefined;
        const next = reader.next();
        if (next instanceof Promise) {
          return next.then((info) => {
            if (info) frame = info;
            else framesDone = true;
            return pump(m, ending);
          });
        }
        if (!next) {
          framesDone = true;
          break;
        }
        frame = next;
      }
      if (!ending && queue.buffered < frame.length + suite.tagLength) return undefined;
      const content = reader.content(frame);
      if (content instanceof Promise) {
        return content.then((c) => {
          openFrame(m, c);
          return pump(m, ending);
        });
      }
      openFrame(m, content);
    }
    return undefined;
  };

  /** The input has ended: the frames left, the signature, nothing after the message, then the rest. */
  const finish = async (m: OpenBody): Promise<void> => {
    await pump(m, true);
    await m.body.end();
    for (const piece of m.release.end()) stream.push(piece);
    m.key.fill(0);
  };

  const stream: DrainingTransform = new DrainingTransform({
    // Nothing is buffered for the reader beyond what a chunk released (and, with a high-water mark
    // of 0, _read runs once the reader has taken it all: see DrainingTransform).
    readableHighWaterMark: 0,
    transform(chunk: Buffer, _encoding, done: TransformCallback) {
      if (open) {
        body(open, chunk, done);
        return;
      }
      // Header phase: the chunk waits in the feed until the header reader takes it.
      feed.offer(chunk, done);
      start().catch(() => {}); // reported through the chunk or the stream (see start)
    },
    flush(done: TransformCallback) {
      flushing = true;
      feed.end();
      start()
        .then(finish)
        .then(
          () => done(),
          (error: Error) => stream.afterDrain(() => done(error)),
        );
    },
    destroy(error, done) {
      feed.end();
      open?.release.wipe();
      open?.key.fill(0);
      done(error);
    },
  });
  return stream;
}

/**
 * A Transform that can hold an error back until its reader has taken every byte pushed, so the
 * plaintext of frames that verified reaches the reader before the error that ends the stream (as
 * it does from the generator). With a readable high-water mark of 0, `_read` runs when the reader
 * asks for more with nothing buffered.
 */
class DrainingTransform extends Transform {
  #waiter: (() => void) | undefined;

  afterDrain(then: () => void): void {
    if (this.readableLength === 0 || this.destroyed) then();
    else this.#waiter = then;
  }

  override _read(size: number): void {
    super._read(size);
    const waiter = this.#waiter;
    if (waiter && this.readableLength === 0) {
      this.#waiter = undefined;
      waiter();
    }
  }
}
