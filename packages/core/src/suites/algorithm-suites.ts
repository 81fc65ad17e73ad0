import { UnsupportedSuiteError } from '../errors.js';

/**
 * The AWS Encryption SDK algorithm suites (framework/algorithm-suites.md). Every suite uses AES-GCM
 * with a 12-byte IV and a 16-byte tag; they differ in key length, key derivation, key commitment
 * and signing.
 */
export const SuiteId = {
  AES_128_GCM_IV12_TAG16_NO_KDF: 0x0014,
  AES_192_GCM_IV12_TAG16_NO_KDF: 0x0046,
  AES_256_GCM_IV12_TAG16_NO_KDF: 0x0078,
  AES_128_GCM_IV12_TAG16_HKDF_SHA256: 0x0114,
  AES_192_GCM_IV12_TAG16_HKDF_SHA256: 0x0146,
  AES_256_GCM_IV12_TAG16_HKDF_SHA256: 0x0178,
  AES_128_GCM_IV12_TAG16_HKDF_SHA256_ECDSA_P256: 0x0214,
  AES_192_GCM_IV12_TAG16_HKDF_SHA384_ECDSA_P384: 0x0346,
  AES_256_GCM_IV12_TAG16_HKDF_SHA384_ECDSA_P384: 0x0378,
  AES_256_GCM_HKDF_SHA512_COMMIT_KEY: 0x0478,
  AES_256_GCM_HKDF_SHA512_COMMIT_KEY_ECDSA_P384: 0x0578,
} as const;
export type SuiteId = (typeof SuiteId)[keyof typeof SuiteId];

export type KdfHash = 'sha256' | 'sha384' | 'sha512';

export interface SignatureAlgorithm {
  /** OpenSSL curve name. */
  readonly curve: 'prime256v1' | 'secp384r1';
  /** JOSE curve name. */
  readonly jwkCurve: 'P-256' | 'P-384';
  readonly hash: 'sha256' | 'sha384';
}

export interface AlgorithmSuite {
  readonly id: SuiteId;
  readonly name: keyof typeof SuiteId;
  /** Message format version the suite is written with: 1 (legacy) or 2 (committing). */
  readonly messageFormat: 1 | 2;
  /** Node cipher name for the content cipher. */
  readonly cipher: 'aes-128-gcm' | 'aes-192-gcm' | 'aes-256-gcm';
  /** Length of the data key and of the derived encryption key, in bytes. */
  readonly keyLength: 16 | 24 | 32;
  readonly ivLength: 12;
  readonly tagLength: 16;
  /** `undefined` means the data key is the encryption key (the legacy NO_KDF suites). */
  readonly kdfHash: KdfHash | undefined;
  readonly commitment: boolean;
  /** Length of the header's algorithm suite data field (the commitment key), in bytes. */
  readonly suiteDataLength: number;
  readonly signature: SignatureAlgorithm | undefined;
}

const P256: SignatureAlgorithm = { curve: 'prime256v1', jwkCurve: 'P-256', hash: 'sha256' };
const P384: SignatureAlgorithm = { curve: 'secp384r1', jwkCurve: 'P-384', hash: 'sha384' };

function suite(
  name: keyof typeof SuiteId,
  keyLength: 16 | 24 | 32,
  kdfHash: KdfHash | undefined,
  signature: SignatureAlgorithm | undefined,
): AlgorithmSuite {
  const commitment = name.includes('COMMIT_KEY');
  return Object.freeze({
    id: SuiteId[name],
    name,
    messageFormat: commitment ? 2 : 1,
    cipher: `aes-${keyLength * 8}-gcm` as AlgorithmSuite['cipher'],
    keyLength,
    ivLength: 12,
    tagLength: 16,
    kdfHash,
    commitment,
    suiteDataLength: commitment ? 32 : 0,
    signature,
  });
}

const SUITES: ReadonlyMap<number, AlgorithmSuite> = new Map(
  [
    suite('AES_128_GCM_IV12_TAG16_NO_KDF', 16, undefined, undefined),
    suite('AES_192_GCM_IV12_TAG16_NO_KDF', 24, undefined, undefined),
    suite('AES_256_GCM_IV12_TAG16_NO_KDF', 32, undefined, undefined),
    suite('AES_128_GCM_IV12_TAG16_HKDF_SHA256', 16, 'sha256', undefined),
    suite('AES_192_GCM_IV12_TAG16_HKDF_SHA256', 24, 'sha256', undefined),
    suite('AES_256_GCM_IV12_TAG16_HKDF_SHA256', 32, 'sha256', undefined),
    suite('AES_128_GCM_IV12_TAG16_HKDF_SHA256_ECDSA_P256', 16, 'sha256', P256),
    suite('AES_192_GCM_IV12_TAG16_HKDF_SHA384_ECDSA_P384', 24, 'sha384', P384),
    suite('AES_256_GCM_IV12_TAG16_HKDF_SHA384_ECDSA_P384', 32, 'sha384', P384),
    suite('AES_256_GCM_HKDF_SHA512_COMMIT_KEY', 32, 'sha512', undefined),
    suite('AES_256_GCM_HKDF_SHA512_COMMIT_KEY_ECDSA_P384', 32, 'sha512', P384),
  ].map((s) => [s.id, s]),
);

/** The suite Envelope writes by default, as the AWS Encryption SDK does: committing and signed. */
export const DEFAULT_SUITE_ID: SuiteId = SuiteId.AES_256_GCM_HKDF_SHA512_COMMIT_KEY_ECDSA_P384;

export function isKnownSuiteId(id: number): id is SuiteId {
  return SUITES.has(id);
}

export function getSuite(id: number): AlgorithmSuite {
  const found = SUITES.get(id);
  if (!found) {
    const known = [...SUITES.keys()].map(formatSuiteId).join(', ');
    throw new UnsupportedSuiteError(`Unknown algorithm suite ${formatSuiteId(id)}; known suites: ${known}.`);
  }
  return found;
}

export function allSuites(): readonly AlgorithmSuite[] {
  return [...SUITES.values()];
}

export function formatSuiteId(id: number): string {
  return `0x${id.toString(16).padStart(4, '0')}`;
}
