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

export interface ParsedHeaderBytes extends ParsedHeader {
  /** The header and its authentication section exactly as read (signed bytes). */
  readonly raw: Buffer;
}

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
  for (;;) {
    try {
      const parsed = parseHeader(queue.contiguous(), limits);
      return { ...parsed, raw: Buffer.from(queue.take(parsed.length)) };
    } catch (error) {
      if (!(error instanceof TruncatedInput)) throw error;
      if (!(await queue.ensure(queue.buffered + error.needed))) {
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
  const queue = new ChunkQueue(
    (async function* () {
      yield* source;
    })(),
  );
  return readHeader(queue, readerLimits(options));
}
