import { randomBytes } from 'node:crypto';
import { crc32c, verifyChecksum } from './checksums.js';
import { CIPHERTEXT_OVERHEAD, ciphertextVersion, openCiphertext, sealCiphertext } from './ciphertext.js';
import { DECRYPTION_FAILED, gcpError, invalidArgument, notEnabled } from './errors.js';
import type { DecryptResponse, EncryptResponse, GenerateRandomBytesResponse } from './messages.js';
import { parseCryptoKey, parseLocation, parseVersion, type VersionName } from './names.js';
import { type Operation, readBytes } from './operation.js';

/** Cloud KMS limits for SOFTWARE keys: plaintext and AAD each at most 64 KiB. */
export const MAX_PLAINTEXT_BYTES = 65_536;
export const MAX_AAD_BYTES = 65_536;
const MAX_CIPHERTEXT_BYTES = MAX_PLAINTEXT_BYTES + CIPHERTEXT_OVERHEAD;
/** GenerateRandomBytes: 8 to 1024 bytes. */
const MIN_RANDOM_BYTES = 8;
const MAX_RANDOM_BYTES = 1024;

function checkSize(data: Buffer, max: number, field: string): void {
  if (data.length > max)
    throw invalidArgument(`${field} is too large: ${data.length} bytes; the maximum is ${max} bytes.`);
}

export const cryptoOperations: Record<string, Operation> = {
  Encrypt: {
    target: (r) => r.name,
    run(request, { resources, scope }) {
      // The name is a CryptoKey (its primary version is used) or one of its versions.
      const versioned = typeof request.name === 'string' && request.name.includes('/cryptoKeyVersions/');
      const named = versioned ? parseVersion(request.name) : parseCryptoKey(request.name);
      scope.touch(named.cryptoKeyName);
      const plaintext = readBytes(request, 'plaintext', 'plaintext');
      const aad = readBytes(request, 'additionalAuthenticatedData', 'additional_authenticated_data');
      if (plaintext.length === 0) throw invalidArgument('plaintext is required and must not be empty.');
      checkSize(plaintext, MAX_PLAINTEXT_BYTES, 'plaintext');
      checkSize(aad, MAX_AAD_BYTES, 'additional_authenticated_data');
      const verifiedPlaintext = verifyChecksum(
        request.plaintextCrc32c,
        plaintext,
        'plaintext_crc32c',
        'plaintext',
      );
      const verifiedAad = verifyChecksum(
        request.additionalAuthenticatedDataCrc32c,
        aad,
        'additional_authenticated_data_crc32c',
        'additional_authenticated_data',
      );
      const key = resources.cryptoKey(named.cryptoKeyName);
      const version = versioned
        ? resources.version(key.name, (named as VersionName).version, (named as VersionName).versionName)
        : resources.primaryOf(key);
      if (!version)
        throw gcpError('FAILED_PRECONDITION', `CryptoKey ${key.name} has no primary CryptoKeyVersion.`);
      scope.touch(version.name);
      if (version.state !== 'ENABLED') throw notEnabled(version.name, version.state);
      const material = resources.material(key.name, version);
      if (!material) throw notEnabled(version.name, version.state);
      try {
        const ciphertext = sealCiphertext(material, key.name, version.version, plaintext, aad);
        const response: EncryptResponse = {
          name: version.name,
          ciphertext,
          ciphertextCrc32c: crc32c(ciphertext),
          verifiedPlaintextCrc32c: verifiedPlaintext,
          verifiedAdditionalAuthenticatedDataCrc32c: verifiedAad,
          protectionLevel: 'SOFTWARE',
        };
        return response;
      } finally {
        material.fill(0);
      }
    },
  },
  Decrypt: {
    target: (r) => r.name,
    run(request, { resources, scope }) {
      const { cryptoKeyName } = parseCryptoKey(request.name);
      scope.touch(cryptoKeyName);
      const ciphertext = readBytes(request, 'ciphertext', 'ciphertext');
      const aad = readBytes(request, 'additionalAuthenticatedData', 'additional_authenticated_data');
      if (ciphertext.length === 0) throw invalidArgument('ciphertext is required and must not be empty.');
      checkSize(ciphertext, MAX_CIPHERTEXT_BYTES, 'ciphertext');
      checkSize(aad, MAX_AAD_BYTES, 'additional_authenticated_data');
      verifyChecksum(request.ciphertextCrc32c, ciphertext, 'ciphertext_crc32c', 'ciphertext');
      verifyChecksum(
        request.additionalAuthenticatedDataCrc32c,
        aad,
        'additional_authenticated_data_crc32c',
        'additional_authenticated_data',
      );
      const key = resources.cryptoKey(cryptoKeyName);
      const id = ciphertextVersion(ciphertext);
      const version = id === undefined ? undefined : resources.findVersion(key.name, id);
      if (!version) throw invalidArgument(DECRYPTION_FAILED);
      scope.touch(version.name);
      if (version.state !== 'ENABLED') throw notEnabled(version.name, version.state);
      const material = resources.material(key.name, version);
      if (!material) throw notEnabled(version.name, version.state);
      let plaintext: Buffer | undefined;
      try {
        plaintext = openCiphertext(material, key.name, ciphertext, aad);
      } finally {
        material.fill(0);
      }
      if (!plaintext) throw invalidArgument(DECRYPTION_FAILED);
      const response: DecryptResponse = {
        plaintext,
        plaintextCrc32c: crc32c(plaintext),
        usedPrimary: version.version === key.primary,
        protectionLevel: 'SOFTWARE',
      };
      return response;
    },
  },
  GenerateRandomBytes: {
    target: (r) => r.location,
    run(request, { scope }) {
      const location = parseLocation(request.location, 'location');
      scope.touch(location.name);
      const length = Number(request.lengthBytes ?? 0);
      if (!Number.isInteger(length) || length < MIN_RANDOM_BYTES || length > MAX_RANDOM_BYTES)
        throw invalidArgument(
          `length_bytes must be between ${MIN_RANDOM_BYTES} and ${MAX_RANDOM_BYTES}; got ${String(request.lengthBytes ?? 0)}.`,
        );
      if (request.protectionLevel !== 'HSM')
        throw invalidArgument(
          'protection_level must be HSM: GenerateRandomBytes supports only the HSM protection level.',
        );
      const data = randomBytes(length);
      const response: GenerateRandomBytesResponse = { data, dataCrc32c: crc32c(data) };
      return response;
    },
  },
};
