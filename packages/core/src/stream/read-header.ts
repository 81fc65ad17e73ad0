import { BodyFormatError } from '../errors.js';
import { TruncatedInput } from '../format/byte-reader.js';
import { type HeaderLimits, type ParsedHeader, parseHeader } from '../format/header.js';
import {
  DEFAULT_MAX_ENCRYPTED_DATA_KEYS,
  DEFAULT_MAX_FRAME_LENGTH,
  type DecryptOptions,
  positiveInteger,
} from '../options.js';
import { ChunkQueue } from './chunk-queue.js';

/** A parsed header with its raw bytes (kept as a name of its own: {@link ParsedHeader} has them now). */
export type ParsedHeaderBytes = ParsedHeader;

export function readerLimits(
  options: Pick<DecryptOptions, 'maxEncryptedDataKeys' | 'maxFrameLength'>,
): HeaderLimits {
  return {
    maxEncryptedDataKeys: positiveInteger(
      'maxEncryptedDataKeys',
      options.maxEncryptedDataKeys ?? DEFAULT_MAX_ENCRYPTED_DATA_KEYS,
      0xffff,
    ),
    maxFrameLength: positiveInteger(
      'maxFrameLength',
      options.maxFrameLength ?? DEFAULT_MAX_FRAME_LENGTH,
      0xffffffff,
    ),
  };
}

/** Reads and parses just the header from the front of the queue, pulling as many bytes as it needs. */
export async function readHeader(queue: ChunkQueue, limits: HeaderLimits): Promise<ParsedHeaderBytes> {
  let parsed = 0; // bytes handed to parseHeader so far, over every attempt
  // Pull the first chunk before the first attempt: parsing an empty buffer could only fail, and a
  // thrown TruncatedInput costs more than parsing a whole small message's header.
  if (queue.buffered === 0) await queue.ensure(1);
  for (;;) {
    const buffer = queue.contiguous();
    parsed += buffer.length;
    try {
      const header = parseHeader(buffer, limits);
      queue.take(header.length); // parseHeader copied them
      return header;
    } catch (error) {
      if (!(error instanceof TruncatedInput)) throw error;
      // Each attempt re-parses everything buffered. Wait for just the bytes the parser asked for (so
      // a bad field is refused as soon as it arrives) while the attempts so far cost a few times the
      // header; past that, wait for twice what is buffered, which keeps the total linear in the header
      // however it is chunked (attempts cost at most 5x the bytes buffered at the end).
      const needed = queue.buffered + error.needed;
      await queue.ensure(parsed <= 4 * needed ? needed : Math.max(needed, 2 * queue.buffered));
      if (queue.buffered < needed) {
        throw new BodyFormatError(
          queue.buffered === 0
            ? 'The input is empty; expected an encrypted message.'
            : 'The message ends inside its header.',
        );
      }
    }
  }
}

/**
 * Parses the header at the start of a message stream without decrypting anything (no keys needed):
 * suite, message id, encryption context, encrypted data keys, frame length.
 */
export async function inspectMessage(
  source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  options: Pick<DecryptOptions, 'maxEncryptedDataKeys' | 'maxFrameLength'> = {},
): Promise<ParsedHeaderBytes> {
  const queue = new ChunkQueue(source);
  return readHeader(queue, readerLimits(options));
}
