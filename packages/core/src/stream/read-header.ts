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

/**
 * Reads and parses just the header from the front of the queue, pulling as many bytes as it needs.
 * Answers synchronously when the first chunk holds the whole header and is buffered or comes from a
 * synchronous source (a message held in memory: no promise).
 */
export function readHeader(
  queue: ChunkQueue,
  limits: HeaderLimits,
): ParsedHeaderBytes | Promise<ParsedHeaderBytes> {
  // Pull the first chunk before the first attempt: parsing an empty buffer could only fail, and a
  // thrown TruncatedInput costs more than parsing a whole small message's header.
  const first = queue.buffered === 0 ? queue.ensureNow(1) : true;
  if (first instanceof Promise) return first.then(() => readHeaderFrom(queue, limits));
  const attempted = queue.buffered;
  const header = takeHeader(queue, limits);
  return header instanceof TruncatedInput ? readHeaderFrom(queue, limits, attempted, header) : header;
}

/**
 * One attempt over everything buffered: the header, taken off the queue (parseHeader copied its
 * bytes), or the {@link TruncatedInput} that says how many more bytes it needs.
 */
function takeHeader(queue: ChunkQueue, limits: HeaderLimits): ParsedHeaderBytes | TruncatedInput {
  try {
    const header = parseHeader(queue.contiguous(), limits);
    queue.take(header.length);
    return header;
  } catch (error) {
    if (error instanceof TruncatedInput) return error;
    throw error;
  }
}

/** {@link readHeader} from its first attempt (or after one that came `truncated`), waiting for bytes. */
async function readHeaderFrom(
  queue: ChunkQueue,
  limits: HeaderLimits,
  attempted = 0,
  truncated?: TruncatedInput,
): Promise<ParsedHeaderBytes> {
  let parsed = attempted; // bytes handed to parseHeader so far, over every attempt
  if (truncated) await waitForMore(queue, parsed, truncated);
  for (;;) {
    parsed += queue.buffered;
    const header = takeHeader(queue, limits);
    if (!(header instanceof TruncatedInput)) return header;
    await waitForMore(queue, parsed, header);
  }
}

/**
 * After an attempt came `truncated`. Each attempt re-parses everything buffered. Wait for just the
 * bytes the parser asked for (so a bad field is refused as soon as it arrives) while the attempts so
 * far (`parsed` bytes) cost a few times the header; past that, wait for twice what is buffered, which
 * keeps the total linear in the header however it is chunked (attempts cost at most 5x the bytes
 * buffered at the end).
 */
async function waitForMore(queue: ChunkQueue, parsed: number, truncated: TruncatedInput): Promise<void> {
  const needed = queue.buffered + truncated.needed;
  await queue.ensure(parsed <= 4 * needed ? needed : Math.max(needed, 2 * queue.buffered));
  if (queue.buffered < needed) {
    throw new BodyFormatError(
      queue.buffered === 0
        ? 'The input is empty; expected an encrypted message.'
        : 'The message ends inside its header.',
    );
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
  return await readHeader(queue, readerLimits(options));
}
