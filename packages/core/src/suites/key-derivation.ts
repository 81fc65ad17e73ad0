import { hkdfSync, timingSafeEqual } from 'node:crypto';
import { DecryptionFailedError } from '../errors.js';
import type { AlgorithmSuite } from './algorithm-suites.js';

// framework/algorithm-suites.md "Key Derivation": committing suites derive the encryption key and the
// commitment key from the data key with HKDF-SHA512, salted with the 32-byte message id.
const DERIVE_KEY_LABEL = Buffer.from('DERIVEKEY', 'utf8');
const COMMIT_KEY_LABEL = Buffer.from('COMMITKEY', 'utf8');

function suiteIdBytes(suite: AlgorithmSuite): Buffer {
  const out = Buffer.alloc(2);
  out.writeUInt16BE(suite.id);
  return out;
}

function hkdf(hash: string, ikm: Buffer, salt: Buffer, info: Buffer, length: number): Buffer {
  return Buffer.from(hkdfSync(hash, ikm, salt, info, length));
}

/**
 * Derives the content encryption key for a message. The caller owns the returned buffer and must
 * zero-fill it when done. For the legacy NO_KDF suites the result is a copy of the data key.
 */
export function deriveEncryptionKey(suite: AlgorithmSuite, dataKey: Buffer, messageId: Buffer): Buffer {
  if (!suite.kdfHash) return Buffer.from(dataKey);
  if (suite.commitment) {
    const info = Buffer.concat([suiteIdBytes(suite), DERIVE_KEY_LABEL]);
    return hkdf(suite.kdfHash, dataKey, messageId, info, suite.keyLength);
  }
  // v1 HKDF suites: no salt (RFC 5869 zero salt), info = suite id || message id.
  const info = Buffer.concat([suiteIdBytes(suite), messageId]);
  return hkdf(suite.kdfHash, dataKey, Buffer.alloc(0), info, suite.keyLength);
}

/** The 32-byte commitment key that committing suites store in the header's suite data. */
export function deriveCommitmentKey(suite: AlgorithmSuite, dataKey: Buffer, messageId: Buffer): Buffer {
  return hkdf('sha512', dataKey, messageId, COMMIT_KEY_LABEL, suite.suiteDataLength);
}

/**
 * Checks, in constant time, that the data key commits to the header's suite data. Must run before
 * any decryption with a key derived from `dataKey`.
 */
export function assertKeyCommitment(
  suite: AlgorithmSuite,
  dataKey: Buffer,
  messageId: Buffer,
  suiteData: Buffer,
): void {
  if (!suite.commitment) return;
  const expected = deriveCommitmentKey(suite, dataKey, messageId);
  try {
    if (expected.length !== suiteData.length || !timingSafeEqual(expected, suiteData)) {
      throw new DecryptionFailedError();
    }
  } finally {
    expected.fill(0);
  }
}
