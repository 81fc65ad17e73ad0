import { randomBytes } from 'node:crypto';
import {
  ContentType,
  computeHeaderTag,
  type MessageHeader,
  messageIdLength,
  serializeHeader,
  serializeHeaderAuth,
} from '../format/header.js';
import type { EncryptionMaterials } from '../materials/materials.js';
import { deriveCommitmentKey, deriveEncryptionKey } from '../suites/key-derivation.js';

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
  const messageId = randomBytes(messageIdLength(suite.messageFormat));
  let key: Buffer | undefined;
  try {
    key = deriveEncryptionKey(suite, materials.dataKey, messageId);
    const suiteData = suite.commitment
      ? deriveCommitmentKey(suite, materials.dataKey, messageId)
      : Buffer.alloc(0);
    const header: MessageHeader = Object.freeze({
      version: suite.messageFormat,
      suite,
      messageId,
      encryptionContext: materials.encryptionContext,
      encryptedDataKeys: materials.encryptedDataKeys,
      contentType: ContentType.FRAMED,
      frameLength,
      suiteData,
    });
    const serialized = serializeHeader(header);
    // The header tag takes the all-zero IV under this message's content key (framed bodies use 1 … n).
    const iv = Buffer.alloc(suite.ivLength);
    const headerBytes = Buffer.concat([
      serialized,
      serializeHeaderAuth(header.version, iv, computeHeaderTag(suite, key, serialized, iv)),
    ]);
    return { header, headerBytes, key };
  } catch (error) {
    key?.fill(0);
    throw error;
  } finally {
    materials.zeroize();
  }
}
