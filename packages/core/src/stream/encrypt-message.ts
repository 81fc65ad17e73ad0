import { LimitExceededError } from '../errors.js';
import { serializeFooter } from '../format/body.js';
import { assertCallerContext } from '../format/encryption-context.js';
import type { MessageHeader } from '../format/header.js';
import type { EncryptDetails } from '../format/message-format.js';
import {
  DEFAULT_FRAME_LENGTH,
  type EncryptOptions,
  MAX_FRAME_LENGTH,
  materialsManagerOf,
  positiveInteger,
} from '../options.js';
import { DEFAULT_SUITE_ID, getSuite } from '../suites/algorithm-suites.js';
import { assertSuiteAllowedForEncrypt, DEFAULT_COMMITMENT_POLICY } from '../suites/commitment-policy.js';
import { createSigner } from '../suites/signature.js';
import { beginMessage } from './begin-message.js';
import { toBuffer } from './chunk-queue.js';
import { FramedBodyWriter } from './frame-encryptor.js';

/**
 * Encrypts a plaintext stream into one AWS Encryption SDK message (framed body). Memory is bounded
 * by the frame length: input chunks are held by reference until their frame is full, then encrypted.
 * `onHeader` is called once the header is built, before any body byte is produced.
 */
export async function* encryptMessage(
  source: AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string>,
  options: EncryptOptions,
  onHeader?: (header: MessageHeader, details: EncryptDetails) => void,
): AsyncGenerator<Buffer> {
  const suite = getSuite(options.suiteId ?? DEFAULT_SUITE_ID);
  assertSuiteAllowedForEncrypt(options.commitmentPolicy ?? DEFAULT_COMMITMENT_POLICY, suite);
  const frameLength = positiveInteger(
    'frameLength',
    options.frameLength ?? DEFAULT_FRAME_LENGTH,
    MAX_FRAME_LENGTH,
  );
  const context = options.encryptionContext ?? {};
  assertCallerContext(context);
  let remainingAllowed = options.plaintextLength ?? Number.POSITIVE_INFINITY;

  const materials = await materialsManagerOf(options).getEncryptionMaterials({
    suite,
    encryptionContext: context,
    ...(options.plaintextLength === undefined ? {} : { plaintextLength: options.plaintextLength }),
  });
  const { signingKey, skippedMasterKeys } = materials;
  const { header, headerBytes, key } = beginMessage(materials, frameLength);
  try {
    const signer = suite.signature ? createSigner(suite.signature) : undefined;
    const emit = (bytes: Buffer): Buffer => {
      signer?.update(bytes);
      return bytes;
    };
    onHeader?.(header, { skippedMasterKeys });
    yield emit(headerBytes);

    const body = new FramedBodyWriter(suite, key, header.messageId, frameLength);
    for await (const input of source) {
      const chunk = toBuffer(input);
      remainingAllowed -= chunk.length;
      if (remainingAllowed < 0) {
        throw new LimitExceededError('More plaintext was given than the declared plaintextLength.');
      }
      for (const out of body.write(chunk)) yield emit(out);
    }
    for (const out of body.end()) yield emit(out);
    if (signer && signingKey) yield serializeFooter(signer.sign(signingKey));
  } finally {
    key.fill(0);
  }
}
