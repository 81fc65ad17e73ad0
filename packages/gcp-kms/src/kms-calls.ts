import type { EncryptedDataKey } from '@envelope/core';
import { crc32c, int64Value } from './crc32c.js';
import { KmsIntegrityError, normalizeGcpError } from './errors.js';
import type { GcpCallOptions, GcpClientSupplier, GcpKmsClient } from './kms-port.js';
import { GCP_KMS_PROVIDER_ID } from './provider-id.js';
import { isVersionOf, parseCryptoKeyName } from './resource-names.js';
import { type GcpRetryOptions, withRetry } from './retry.js';

function bytes(value: Uint8Array | string | null | undefined): Buffer {
  if (value === null || value === undefined) return Buffer.alloc(0);
  // REST (proto3 JSON) may hand bytes back base64-encoded; gRPC gives a Buffer/Uint8Array.
  return typeof value === 'string'
    ? Buffer.from(value, 'base64')
    : Buffer.from(value.buffer, value.byteOffset, value.byteLength);
}

function gaxOptions(attempt: { timeoutMs: number; signal: AbortSignal }): GcpCallOptions {
  // retry: null turns the client's own retry off (its default on UNAVAILABLE is 600 s); ours is the one layer.
  return { timeout: attempt.timeoutMs, retry: null, signal: attempt.signal };
}

/**
 * Encrypt with end-to-end integrity, as Google's guide asks: CRC32C of plaintext and AAD sent, both
 * `verified_*` flags required, the version used must belong to the requested key, and the
 * ciphertext must match `ciphertext_crc32c`.
 */
export async function encryptDataKey(
  client: GcpKmsClient,
  keyName: string,
  dataKey: Buffer,
  aad: Buffer,
  retry: GcpRetryOptions | undefined,
  providerId: string = GCP_KMS_PROVIDER_ID,
): Promise<EncryptedDataKey> {
  const label = `Cloud KMS Encrypt with ${keyName}`;
  const request = {
    name: keyName,
    plaintext: dataKey,
    additionalAuthenticatedData: aad,
    plaintextCrc32c: { value: crc32c(dataKey) },
    additionalAuthenticatedDataCrc32c: { value: crc32c(aad) },
  };
  return withRetry(
    async (attempt) => {
      const [response] = await client.encrypt(request, gaxOptions(attempt));
      if (response.verifiedPlaintextCrc32c !== true) {
        throw new KmsIntegrityError(
          `${label}: the service did not verify the plaintext checksum (verified_plaintext_crc32c is not true); the request may have been corrupted in transit.`,
          false,
        );
      }
      if (response.verifiedAdditionalAuthenticatedDataCrc32c !== true) {
        throw new KmsIntegrityError(
          `${label}: the service did not verify the AAD checksum (verified_additional_authenticated_data_crc32c is not true); the request may have been corrupted in transit.`,
          false,
        );
      }
      if (typeof response.name !== 'string' || !isVersionOf(response.name, keyName)) {
        throw new KmsIntegrityError(
          `${label}: the response names key version ${JSON.stringify(String(response.name).slice(0, 300))}, not a version of the requested key.`,
          false,
        );
      }
      const ciphertext = bytes(response.ciphertext);
      const expected = int64Value(response.ciphertextCrc32c);
      if (ciphertext.length === 0 || expected === undefined || crc32c(ciphertext) !== expected) {
        throw new KmsIntegrityError(
          `${label}: the ciphertext does not match ciphertext_crc32c; the response was corrupted in transit.`,
          true,
        );
      }
      return { providerId, providerInfo: Buffer.from(keyName, 'utf8'), ciphertext: Buffer.from(ciphertext) };
    },
    retry,
    label,
  );
}

/**
 * Decrypt with end-to-end integrity: CRC32C of ciphertext and AAD sent (the service refuses a
 * mismatch), and the plaintext checked against `plaintext_crc32c` and the suite's key length. A
 * plaintext that fails a check is zero-filled before the error is thrown.
 */
export async function decryptDataKey(
  client: GcpKmsClient,
  keyName: string,
  edk: EncryptedDataKey,
  aad: Buffer,
  keyLength: number,
  retry: GcpRetryOptions | undefined,
): Promise<Buffer> {
  const label = `Cloud KMS Decrypt with ${keyName}`;
  const request = {
    name: keyName,
    ciphertext: edk.ciphertext,
    additionalAuthenticatedData: aad,
    ciphertextCrc32c: { value: crc32c(edk.ciphertext) },
    additionalAuthenticatedDataCrc32c: { value: crc32c(aad) },
  };
  return withRetry(
    async (attempt) => {
      const [response] = await client.decrypt(request, gaxOptions(attempt));
      const received = bytes(response.plaintext);
      // One copy we own; the client's buffer is wiped (when it is one) so the key lives in one place.
      const plaintext = Buffer.from(received);
      if (typeof response.plaintext !== 'string') received.fill(0);
      try {
        const expected = int64Value(response.plaintextCrc32c);
        if (expected === undefined || crc32c(plaintext) !== expected) {
          throw new KmsIntegrityError(
            `${label}: the plaintext does not match plaintext_crc32c; the response was corrupted in transit.`,
            true,
          );
        }
        if (plaintext.length !== keyLength) {
          throw new KmsIntegrityError(
            `${label}: returned ${plaintext.length} bytes, not a ${keyLength}-byte data key.`,
            false,
          );
        }
        return plaintext;
      } catch (error) {
        plaintext.fill(0);
        throw error;
      }
    },
    retry,
    label,
  );
}

/** Runs one Cloud KMS call on the client for the key's location; any failure becomes a typed KeyringError. */
export async function callGcpKms<T>(
  clients: GcpClientSupplier,
  operation: string,
  keyName: string,
  call: (client: GcpKmsClient) => Promise<T>,
): Promise<T> {
  try {
    return await call(clients(parseCryptoKeyName(keyName)?.location ?? 'global'));
  } catch (error) {
    throw normalizeGcpError(error, operation, keyName);
  }
}
