import type { SkippedMasterKey } from '../materials/materials.js';
import type { DecryptOptions, EncryptOptions } from '../options.js';
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
export const awsEncryptionSdkFormat: MessageFormat = Object.freeze({
  name: 'aws-encryption-sdk',
  encrypt: encryptMessage,
  decrypt: decryptMessage,
});
