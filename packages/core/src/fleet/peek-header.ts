import { BodyFormatError } from '../errors.js';
import { TruncatedInput } from '../format/byte-reader.js';
import { type HeaderLimits, type MessageHeader, parseHeader } from '../format/header.js';

/**
 * Parses the header at the front of a message stream and hands back a stream that replays the
 * bytes read so far, then the rest: the caller decides what to do from the header (skip, add,
 * replace) before any key is used, and the input is still read only once.
 */
export async function peekHeader(
  source: AsyncIterable<Uint8Array>,
  limits: HeaderLimits,
): Promise<{ header: MessageHeader; stream: AsyncIterable<Uint8Array>; close(): Promise<void> }> {
  const iterator = source[Symbol.asyncIterator]();
  const read: Buffer[] = [];
  let length = 0;
  let needed = 1; // bytes the parser needs at least
  let wanted = 1; // bytes to read before parsing again (more than needed, so re-parsing stays linear)
  let ended = false;
  for (;;) {
    while (length < wanted && !ended) {
      const next = await iterator.next();
      if (next.done) {
        ended = true;
        break;
      }
      const chunk = Buffer.from(next.value.buffer, next.value.byteOffset, next.value.byteLength);
      read.push(chunk);
      length += chunk.length;
    }
    if (length < needed) {
      await iterator.return?.();
      throw new BodyFormatError(
        length === 0
          ? 'The input is empty; expected an encrypted message.'
          : 'The message ends inside its header.',
      );
    }
    try {
      const { header } = parseHeader(read.length === 1 ? read[0]! : Buffer.concat(read, length), limits);
      const stream = replay(read, iterator);
      // Closes the input whether or not `stream` was read (an unstarted generator's finally never runs).
      const close = async () => {
        await stream.return(undefined);
        await iterator.return?.();
      };
      return { header, stream, close };
    } catch (error) {
      if (!(error instanceof TruncatedInput)) {
        await iterator.return?.();
        throw error;
      }
      needed = length + error.needed;
      wanted = Math.max(needed, 2 * length);
    }
  }
}

async function* replay(read: Buffer[], rest: AsyncIterator<Uint8Array>): AsyncGenerator<Uint8Array> {
  try {
    yield* read;
    for (;;) {
      const next = await rest.next();
      if (next.done) return;
      yield next.value;
    }
  } finally {
    await rest.return?.();
  }
}
