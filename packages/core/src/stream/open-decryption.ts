import type { KeyObject } from 'node:crypto';
import type { HeaderLimits } from '../format/header.js';
import type { DecryptOptions } from '../options.js';
import { ChunkQueue } from './chunk-queue.js';
import { type OpenedMessage, openMessage } from './open-message.js';
import { readerLimits } from './read-header.js';

/** A message about to be read: its input, limits, authenticated header, content key and verification key. */
export interface OpenedDecryption {
  readonly queue: ChunkQueue;
  readonly limits: HeaderLimits;
  readonly parsed: OpenedMessage['parsed'];
  /** The derived content key: the caller zero-fills it when the message is done. */
  readonly key: Buffer;
  /** The signed suites' verification key (public), taken before the materials were zeroized. */
  readonly verificationKey: KeyObject | undefined;
}

/**
 * The start of every decrypt, whichever body reader follows (the generator, the Transform, the
 * buffer reader or the worker pool): the source queued (or a queue the caller keeps feeding), the limits resolved, the header read and authenticated by {@link openMessage}, and
 * the materials zeroized once the content key and the verification key are taken from them.
 */
export async function openDecryption(
  source: AsyncIterable<Uint8Array> | Iterable<Uint8Array> | ChunkQueue,
  options: DecryptOptions,
): Promise<OpenedDecryption> {
  const queue = source instanceof ChunkQueue ? source : new ChunkQueue(source);
  const limits = readerLimits(options);
  const { parsed, materials, key } = await openMessage(queue, options, limits);
  const { verificationKey } = materials;
  materials.zeroize();
  return { queue, limits, parsed, key, verificationKey };
}
