import type { SkippedMasterKey } from '../materials/materials.js';
import type { DecryptOptions, EncryptOptions } from '../options.js';
import { decryptMessageParallel } from '../parallel/parallel-decrypt.js';
import { encryptMessageParallel } from '../parallel/parallel-encrypt.js';
import { resolveParallel } from '../parallel/parallel-options.js';
import { decryptMessage } from '../stream/decrypt-message.js';
import { encryptMessage } from '../stream/encrypt-message.js';
import type { MessageHeader } from './header.js';

/** What encrypt learned beyond the header: master keys a multi-keyring skipped (outage mode). */
export interface EncryptDetails {
  readonly skippedMasterKeys: readonly SkippedMasterKey[];
}

/**
 * A ciphertext message layout. Keyrings and materials managers know nothing of it, so a second
 * layout (Tink's KmsEnvelopeAead, say) plugs in here without touching them.
 */
export interface MessageFormat {
  readonly name: string;
  encrypt(
    source: AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string>,
    options: EncryptOptions,
    onHeader?: (header: MessageHeader, details: EncryptDetails) => void,
  ): AsyncGenerator<Buffer>;
  /** Yields plaintext in buffers the caller owns (decrypt may return a lone one as it is). */
  decrypt(
    source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
    options: DecryptOptions,
    onHeader?: (header: MessageHeader) => void,
  ): AsyncGenerator<Buffer>;
}

/** The AWS Encryption SDK message format: writes v2 (v1 under a forbidding policy), reads both. */
export const awsEncryptionSdkFormat: MessageFormat = Object.freeze<MessageFormat>({
  name: 'aws-encryption-sdk',
  // The parallel mode (options.parallel) makes the same bytes with the frames on worker threads.
  encrypt(source, options, onHeader) {
    const parallel = resolveParallel(options.parallel);
    return parallel
      ? encryptMessageParallel(source, options, parallel, onHeader)
      : encryptMessage(source, options, onHeader);
  },
  decrypt(source, options, onHeader) {
    const parallel = resolveParallel(options.parallel);
    return parallel
      ? decryptMessageParallel(source, options, parallel, onHeader)
      : decryptMessage(source, options, onHeader);
  },
});
