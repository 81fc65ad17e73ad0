import type { MessageHeader } from '../format/header.js';
import type { DecryptOptions } from '../options.js';
import { DecryptBody } from './decrypt-body.js';
import { decryptFrame } from './frame-decrypt.js';
import type { FrameInfo, FrameReader } from './frame-reader.js';
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
  const message = await openDecryption(source, options);
  const { parsed, key } = message;
  const { header } = parsed;

  const release = new PlaintextRelease(options, header.suite.signature !== undefined);
  try {
    const body = new DecryptBody(message);
    onHeader?.(header);

    // openNextFrame answers synchronously when the bytes are buffered: a message in memory then
    // costs one step of this generator per frame, no other trip through the event loop.
    for (;;) {
      const step = openNextFrame(body.frames, header, key);
      const opened = step instanceof Promise ? await step : step;
      if (!opened) break;
      yield* release.frame(opened.plaintext, opened.frame.length);
    }
    await body.end();
    yield* release.end();
  } finally {
    release.wipe();
    key.fill(0);
  }
}

/** A frame whose tag verified, and its plaintext. */
export interface OpenedFrame {
  readonly frame: FrameInfo;
  readonly plaintext: Buffer[];
}

/**
 * Reads and decrypts the body's next frame; undefined after the last. Answers synchronously when
 * the frame's bytes are buffered (a message in memory: no trip through the event loop per frame),
 * with a promise otherwise.
 */
export function openNextFrame(
  body: FrameReader,
  header: MessageHeader,
  key: Buffer,
): OpenedFrame | undefined | Promise<OpenedFrame | undefined> {
  const next = body.next();
  if (next instanceof Promise) return next.then((frame) => frame && openFrame(body, header, key, frame));
  return next && openFrame(body, header, key, next);
}

function openFrame(
  body: FrameReader,
  header: MessageHeader,
  key: Buffer,
  frame: FrameInfo,
): OpenedFrame | Promise<OpenedFrame> {
  const content = body.content(frame);
  if (content instanceof Promise) {
    return content.then((c) => ({ frame, plaintext: decryptFrame(header, key, frame, c) }));
  }
  return { frame, plaintext: decryptFrame(header, key, frame, content) };
}
