import { timingSafeEqual } from 'node:crypto';
import { DecryptionFailedError } from '../errors.js';
import type { AlgorithmSuite } from './algorithm-suites.js';
import { hkdfExpand, hkdfExtract } from './hkdf.js';

// framework/algorithm-suites.md "Key Derivation": committing suites derive the encryption key and the
// commitment key from the data key with HKDF-SHA512, salted with the 32-byte message id. Both share
// the HKDF extract step (same hash, key and salt), so it runs once per message.
const DERIVE_KEY_LABEL = Buffer.from('DERIVEKEY', 'utf8');
const COMMIT_KEY_LABEL = Buffer.from('COMMITKEY', 'utf8');

function suiteIdBytes(suite: AlgorithmSuite): Buffer {
  const out = Buffer.alloc(2);
  out.writeUInt16BE(suite.id);
  return out;
}

export interface MessageKeys {
  /** The content encryption key: the caller zero-fills it when the message is done. */
  readonly key: Buffer;
  /** The 32-byte commitment key stored as the header's suite data (empty for non-committing suites). */
  readonly commitmentKey: Buffer;
}

/**
 * Derives a new message's content key and commitment key. For the legacy NO_KDF suites the content
 * key is a copy of the data key.
 */
export function deriveMessageKeys(suite: AlgorithmSuite, dataKey: Buffer, messageId: Buffer): MessageKeys {
  if (!suite.kdfHash) return { key: Buffer.from(dataKey), commitmentKey: Buffer.alloc(0) };
  if (!suite.commitment)
    return { key: deriveV1Key(suite, dataKey, messageId), commitmentKey: Buffer.alloc(0) };
  const prk = hkdfExtract(suite.kdfHash, dataKey, messageId);
  try {
    const commitmentKey = hkdfExpand(suite.kdfHash, prk, COMMIT_KEY_LABEL, suite.suiteDataLength);
    return { key: expandEncryptionKey(suite, prk), commitmentKey };
  } finally {
    prk.fill(0);
  }
}

/**
 * Derives the content key of a message being decrypted. For committing suites it first checks, in
 * constant time, that the data key commits to the header's suite data, and derives no content key
 * when it does not.
 */
export function openMessageKey(
  suite: AlgorithmSuite,
  dataKey: Buffer,
  messageId: Buffer,
  suiteData: Buffer,
): Buffer {
  if (!suite.kdfHash) return Buffer.from(dataKey);
  if (!suite.commitment) return deriveV1Key(suite, dataKey, messageId);
  const prk = hkdfExtract(suite.kdfHash, dataKey, messageId);
  try {
    const expected = hkdfExpand(suite.kdfHash, prk, COMMIT_KEY_LABEL, suite.suiteDataLength);
    try {
      if (expected.length !== suiteData.length || !timingSafeEqual(expected, suiteData)) {
        throw new DecryptionFailedError();
      }
    } finally {
      expected.fill(0);
    }
    return expandEncryptionKey(suite, prk);
  } finally {
    prk.fill(0);
  }
}

// The encryption key's HKDF info (suite id || "DERIVEKEY") depends on the suite only: built once.
const deriveKeyInfo = new Map<number, Buffer>();

function expandEncryptionKey(suite: AlgorithmSuite, prk: Buffer): Buffer {
  let info = deriveKeyInfo.get(suite.id);
  if (!info) {
    info = Buffer.concat([suiteIdBytes(suite), DERIVE_KEY_LABEL]);
    deriveKeyInfo.set(suite.id, info);
  }
  return hkdfExpand(suite.kdfHash!, prk, info, suite.keyLength);
}

/** v1 HKDF suites: no salt (RFC 5869 zero salt), info = suite id || message id. */
function deriveV1Key(suite: AlgorithmSuite, dataKey: Buffer, messageId: Buffer): Buffer {
  const prk = hkdfExtract(suite.kdfHash!, dataKey, Buffer.alloc(0));
  try {
    return hkdfExpand(suite.kdfHash!, prk, Buffer.concat([suiteIdBytes(suite), messageId]), suite.keyLength);
  } finally {
    prk.fill(0);
  }
}
