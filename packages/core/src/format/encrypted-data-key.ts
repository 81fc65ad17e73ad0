import { InvalidArgumentError, LimitExceededError } from '../errors.js';
import type { ByteReader } from './byte-reader.js';

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

/** Raw AES provider info ends with tag bits (4) || IV length (4) || IV (12) after the key name. */
const RAW_AES_INFO_SUFFIX = 4 + 4 + 12;

/**
 * The master key an EDK names, for messages and `inspect`: the key ARN (KMS), the key name (raw
 * RSA, and raw AES without its binary IV suffix), or hex when the info is not printable.
 */
export function masterKeyName(edk: EncryptedDataKey): string {
  const info = edk.providerInfo;
  const suffixAt = info.length - RAW_AES_INFO_SUFFIX;
  const name =
    suffixAt >= 0 && info.readUInt32BE(suffixAt) === 128 && info.readUInt32BE(suffixAt + 4) === 12
      ? info.subarray(0, suffixAt)
      : info;
  const text = name.toString('utf8');
  return /^[\x20-\x7e]*$/.test(text) ? text : name.toString('hex');
}

const MAX_FIELD = 0xffff;

export function serializeEncryptedDataKeys(edks: readonly EncryptedDataKey[]): Buffer {
  if (edks.length === 0 || edks.length > MAX_FIELD) {
    throw new InvalidArgumentError(
      `A message needs 1 to ${MAX_FIELD} encrypted data keys; got ${edks.length}.`,
    );
  }
  // Plain loops, no callbacks or per-field arrays: this runs once per message written.
  let length = 2;
  for (const edk of edks) {
    const providerIdLength = Buffer.byteLength(edk.providerId, 'utf8');
    if (Math.max(providerIdLength, edk.providerInfo.length, edk.ciphertext.length) > MAX_FIELD) {
      throw new InvalidArgumentError(
        `Encrypted data key from '${edk.providerId}' has a field over ${MAX_FIELD} bytes; the format cannot hold it.`,
      );
    }
    length += 6 + providerIdLength + edk.providerInfo.length + edk.ciphertext.length;
  }
  // count || (len || provider id || len || provider info || len || ciphertext)*, in one buffer.
  const out = Buffer.allocUnsafe(length);
  let at = out.writeUInt16BE(edks.length, 0);
  for (const edk of edks) {
    const providerIdLength = out.write(edk.providerId, at + 2, 'utf8');
    at = out.writeUInt16BE(providerIdLength, at) + providerIdLength;
    at = out.writeUInt16BE(edk.providerInfo.length, at);
    at += edk.providerInfo.copy(out, at);
    at = out.writeUInt16BE(edk.ciphertext.length, at);
    at += edk.ciphertext.copy(out, at);
  }
  return out;
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
