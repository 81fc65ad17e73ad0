import { InvalidArgumentError, LimitExceededError } from '../errors.js';
import { type ByteReader, uint16 } from './byte-reader.js';

/**
 * A data key wrapped by one master key. `providerInfo` is bytes: raw AES keyrings store binary
 * (tag length, IV) there; KMS keyrings store the key ARN as UTF-8.
 */
export interface EncryptedDataKey {
  readonly providerId: string;
  readonly providerInfo: Buffer;
  readonly ciphertext: Buffer;
}

export function providerInfoText(edk: EncryptedDataKey): string {
  return edk.providerInfo.toString('utf8');
}

const MAX_FIELD = 0xffff;

export function serializeEncryptedDataKeys(edks: readonly EncryptedDataKey[]): Buffer {
  if (edks.length === 0 || edks.length > MAX_FIELD) {
    throw new InvalidArgumentError(
      `A message needs 1 to ${MAX_FIELD} encrypted data keys; got ${edks.length}.`,
    );
  }
  const parts: Buffer[] = [uint16(edks.length)];
  for (const edk of edks) {
    const providerId = Buffer.from(edk.providerId, 'utf8');
    if (Math.max(providerId.length, edk.providerInfo.length, edk.ciphertext.length) > MAX_FIELD) {
      throw new InvalidArgumentError(
        `Encrypted data key from '${edk.providerId}' has a field over ${MAX_FIELD} bytes; the format cannot hold it.`,
      );
    }
    parts.push(uint16(providerId.length), providerId);
    parts.push(uint16(edk.providerInfo.length), edk.providerInfo);
    parts.push(uint16(edk.ciphertext.length), edk.ciphertext);
  }
  return Buffer.concat(parts);
}

/** Reads the EDK list, refusing a count above `maxEncryptedDataKeys` before reading any of them. */
export function readEncryptedDataKeys(reader: ByteReader, maxEncryptedDataKeys: number): EncryptedDataKey[] {
  const countAt = reader.offset;
  const count = reader.uint16();
  if (count === 0) reader.fail('encrypted data key count', countAt, 'is zero; a message needs at least one');
  if (count > maxEncryptedDataKeys) {
    throw new LimitExceededError(
      `The message has ${count} encrypted data keys; this reader allows at most ${maxEncryptedDataKeys} (raise maxEncryptedDataKeys if the message is trusted).`,
    );
  }
  const edks: EncryptedDataKey[] = [];
  for (let i = 0; i < count; i++) {
    const providerId = reader.lengthPrefixed().toString('utf8');
    // Copies: the reader's buffer may be a reused streaming buffer.
    const providerInfo = Buffer.from(reader.lengthPrefixed());
    const ciphertext = Buffer.from(reader.lengthPrefixed());
    edks.push(Object.freeze({ providerId, providerInfo, ciphertext }));
  }
  return edks;
}
