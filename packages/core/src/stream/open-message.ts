import { EncryptionContextMismatchError } from '../errors.js';
import { missingContextPairs, serializeEncryptionContext } from '../format/encryption-context.js';
import { type HeaderLimits, verifyHeaderTag } from '../format/header.js';
import type { DecryptionMaterials } from '../materials/materials.js';
import { requiredEncryptionContext } from '../materials/required-encryption-context.js';
import { type DecryptOptions, materialsManagerOf } from '../options.js';
import { assertSuiteAllowedForDecrypt, DEFAULT_COMMITMENT_POLICY } from '../suites/commitment-policy.js';
import { openMessageKey } from '../suites/key-derivation.js';
import type { ChunkQueue } from './chunk-queue.js';
import { type ParsedHeaderBytes, readHeader } from './read-header.js';

export interface OpenedMessage {
  readonly parsed: ParsedHeaderBytes;
  /** Holds the data key: the caller zeroizes it as soon as it can. */
  readonly materials: DecryptionMaterials;
  /** The derived content key: the caller zero-fills it when the message is done. */
  readonly key: Buffer;
}

/**
 * Reads the header and obtains the keys, in the order that leaks least: policy and required context
 * first (before any key-management call), then the data key, the key commitment check, the content
 * key, and the header tag.
 */
export async function openMessage(
  queue: ChunkQueue,
  options: DecryptOptions,
  limits: HeaderLimits,
): Promise<OpenedMessage> {
  const read = readHeader(queue, limits);
  const parsed = read instanceof Promise ? await read : read;
  const { header } = parsed;
  const { suite } = header;
  assertSuiteAllowedForDecrypt(options.commitmentPolicy ?? DEFAULT_COMMITMENT_POLICY, suite);
  const missing = missingContextPairs(header.encryptionContext, options.requiredEncryptionContext ?? {});
  if (missing.length > 0) {
    throw new EncryptionContextMismatchError(
      `The message's encryption context lacks the required pair(s) for key(s): ${missing.map((k) => JSON.stringify(k)).join(', ')}.`,
    );
  }
  const materials = await materialsManagerOf(options).getDecryptionMaterials({
    suite,
    encryptionContext: header.encryptionContext,
    encryptedDataKeys: header.encryptedDataKeys,
    ...(options.encryptionContext ? { reproducedEncryptionContext: options.encryptionContext } : {}),
  });
  let key: Buffer | undefined;
  try {
    // Checks the key commitment before it derives the content key.
    key = openMessageKey(suite, materials.dataKey, header.messageId, header.suiteData);
    verifyHeaderTag(parsed, key, serializeEncryptionContext(requiredEncryptionContext(materials)));
    return { parsed, materials, key };
  } catch (error) {
    key?.fill(0);
    materials.zeroize();
    throw error;
  }
}
