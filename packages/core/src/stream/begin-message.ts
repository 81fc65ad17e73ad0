import { serializeEncryptionContext } from '../format/encryption-context.js';
import {
  ContentType,
  computeHeaderTag,
  type MessageHeader,
  messageIdLength,
  serializeHeader,
} from '../format/header.js';
import type { EncryptionMaterials } from '../materials/materials.js';
import {
  requiredEncryptionContext,
  storedEncryptionContext,
} from '../materials/required-encryption-context.js';
import { randomBytesFromPool } from '../random-pool.js';
import { deriveMessageKeys } from '../suites/key-derivation.js';

export interface BegunMessage {
  readonly header: MessageHeader;
  /** The serialized header and its authentication section: the message's first bytes. */
  readonly headerBytes: Buffer;
  /** The message's content key: the caller zero-fills it when the message is done. */
  readonly key: Buffer;
}

/**
 * Starts a new framed message from encryption materials: a fresh random message id, the content key
 * and commitment key derived from the data key and that id, and the authenticated header. Every
 * message, encrypted or rewrapped, begins here, so none reuses another's message id and content key.
 * The materials' data key is zeroized before this returns.
 */
export function beginMessage(materials: EncryptionMaterials, frameLength: number): BegunMessage {
  const { suite } = materials;
  const messageId = randomBytesFromPool(messageIdLength(suite.messageFormat));
  let key: Buffer | undefined;
  try {
    const derived = deriveMessageKeys(suite, materials.dataKey, messageId);
    key = derived.key;
    const suiteData = derived.commitmentKey;
    const header: MessageHeader = Object.freeze({
      version: suite.messageFormat,
      suite,
      messageId,
      // Required encryption context is authenticated below but never stored.
      encryptionContext: storedEncryptionContext(materials),
      encryptedDataKeys: materials.encryptedDataKeys,
      contentType: ContentType.FRAMED,
      frameLength,
      suiteData,
    });
    // The authentication section (message-header.md): v1 the IV and tag, v2 the tag alone; written
    // into room left after the header.
    const authLength = (header.version === 1 ? suite.ivLength : 0) + suite.tagLength;
    const headerBytes = serializeHeader(header, authLength);
    const serialized = headerBytes.subarray(0, headerBytes.length - authLength);
    // The header tag takes the all-zero IV under this message's content key (framed bodies use 1 … n).
    const iv = Buffer.alloc(suite.ivLength);
    const tag = computeHeaderTag(
      suite,
      key,
      serialized,
      iv,
      serializeEncryptionContext(requiredEncryptionContext(materials)),
    );
    let at = serialized.length;
    if (header.version === 1) at += iv.copy(headerBytes, at);
    tag.copy(headerBytes, at);
    return { header, headerBytes, key };
  } catch (error) {
    key?.fill(0);
    throw error;
  } finally {
    materials.zeroize();
  }
}
