import { DecryptionFailedError, InvalidArgumentError } from '../errors.js';
import { serializeFooter } from '../format/body.js';
import { type EncryptionContext, PUBLIC_KEY_CONTEXT_KEY } from '../format/encryption-context.js';
import { ContentType, type MessageHeader } from '../format/header.js';
import type { Keyring } from '../keyrings/keyring.js';
import { DefaultMaterialsManager } from '../materials/default-materials-manager.js';
import { type DecryptionMaterials, EncryptionMaterials } from '../materials/materials.js';
import { DEFAULT_FRAME_LENGTH, type DecryptOptions, MAX_FRAME_LENGTH, positiveInteger } from '../options.js';
import { resolveParallel } from '../parallel/parallel-options.js';
import { rewrapBodyParallel } from '../parallel/parallel-rewrap.js';
import { type AlgorithmSuite, getSuite, SuiteId } from '../suites/algorithm-suites.js';
import {
  assertSuiteAllowedForEncrypt,
  type CommitmentPolicy,
  DEFAULT_COMMITMENT_POLICY,
  suiteAllowedForEncrypt,
} from '../suites/commitment-policy.js';
import { createSigner, createVerifier } from '../suites/signature.js';
import { beginMessage } from './begin-message.js';
import { ChunkQueue } from './chunk-queue.js';
import { decryptFrame } from './frame-decrypt.js';
import { FramedBodyWriter } from './frame-encryptor.js';
import { FrameReader } from './frame-reader.js';
import { openMessage } from './open-message.js';
import { readerLimits } from './read-header.js';

/**
 * - `replace` (default): the new message is wrapped only by `newKeyring`'s master keys, under a fresh
 *   data key, so no master key of the original can open it unless `newKeyring` holds it too. Use it to
 *   remove or replace master keys (a removed key must lose access, which needs a new data key).
 * - `add`: the data key is kept, every existing encrypted data key is kept (they stay valid), and
 *   `newKeyring` wraps the same data key too: one unwrap and one wrap per added master key. Unsigned
 *   suites with key derivation only (a signed message's data keys are bound to its signing key).
 */
export type RewrapMode = 'replace' | 'add';

export interface RewrapOptions extends DecryptOptions {
  /** Wraps the data key of the new message: its master keys are the message's new master keys. */
  readonly newKeyring: Keyring;
  readonly mode?: RewrapMode;
  /**
   * Suite of the new message. Default: the original's, or — when the commitment policy forbids
   * writing it (a legacy v1 message) — the committing suite with the same signing choice.
   */
  readonly suiteId?: SuiteId | number;
  /** Frame length of the new message. Default: the original's (64 KiB for a non-framed body). */
  readonly frameLength?: number;
}

/** What a rewrap did, reported once the new header is made and before any byte is produced. */
export interface RewrapReport {
  readonly before: MessageHeader;
  readonly after: MessageHeader;
  /** `kept` (mode `add`) or `replaced` by a fresh data key (mode `replace`). */
  readonly dataKey: 'kept' | 'replaced';
}

/**
 * Rewrites a message for a new set of master keys in one streaming pass: the input is read once,
 * the header authenticated, each frame authenticated and decrypted under the old content key and
 * re-encrypted into a **new message** (fresh message id, so a new content key; header and frames
 * made as {@link encryptMessage} makes them). No (key, IV) pair of the original is used again: the
 * new content key is derived from a new random message id, and with mode `replace` from a new data
 * key too. Memory is bounded by the frame length (plus a fixed bound with `parallel`, see docs/streaming.md). A signed original's signature is verified before
 * the new message's final frame and footer are produced, so a damaged input never becomes a complete
 * message; the plaintext is zero-filled as soon as it is re-encrypted, and never released.
 */
export async function* rewrapMessage(
  source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  options: RewrapOptions,
  onRewrap?: (report: RewrapReport) => void,
): AsyncGenerator<Buffer> {
  if (!options.newKeyring) {
    throw new InvalidArgumentError(
      'Rewrap needs newKeyring: the keyring whose master keys wrap the message.',
    );
  }
  const mode = options.mode ?? 'replace';
  if (mode !== 'replace' && mode !== 'add') {
    throw new InvalidArgumentError(`Rewrap mode must be 'replace' or 'add'; got ${String(mode)}.`);
  }
  const policy = options.commitmentPolicy ?? DEFAULT_COMMITMENT_POLICY;
  const parallel = resolveParallel(options.parallel);
  const queue = new ChunkQueue(source);
  const limits = readerLimits(options);
  const { parsed, materials, key } = await openMessage(queue, options, limits);
  const before = parsed.header;
  const { verificationKey } = materials;
  let newKey: Buffer | undefined;
  let writer: FramedBodyWriter | undefined;
  let frameText: Buffer[] = [];
  try {
    const suite = outputSuite(before.suite, options.suiteId, policy);
    const frameLength = positiveInteger(
      'frameLength',
      options.frameLength ??
        (before.contentType === ContentType.FRAMED ? before.frameLength : DEFAULT_FRAME_LENGTH),
      MAX_FRAME_LENGTH,
    );
    const newMaterials =
      mode === 'add'
        ? await addMasterKeys(before, suite, materials, options.newKeyring)
        : await replaceDataKey(suite, materials, options.newKeyring);
    const { signingKey } = newMaterials;
    const begun = beginMessage(newMaterials, frameLength);
    newKey = begun.key;
    const after = begun.header;
    onRewrap?.({ before, after, dataKey: mode === 'add' ? 'kept' : 'replaced' });

    const verifier = before.suite.signature ? createVerifier(before.suite.signature) : undefined;
    const signer = suite.signature ? createSigner(suite.signature) : undefined;
    const emit = (bytes: Buffer): Buffer => {
      signer?.update(bytes);
      return bytes;
    };
    verifier?.update(parsed.raw);
    yield emit(begun.headerBytes);

    const reader = new FrameReader(queue, before, limits.maxFrameLength, (piece) => verifier?.update(piece));
    // The original must be whole and authentic before the new message can be complete.
    const verifyOriginal = async () => {
      if (verifier && (!verificationKey || !verifier.verify(verificationKey, await reader.footer()))) {
        throw new DecryptionFailedError();
      }
      await reader.assertEnd();
    };
    if (parallel) {
      const body = { reader, before, key, after, newKey, parallel, verifyOriginal };
      for await (const out of rewrapBodyParallel(body)) yield emit(out);
    } else {
      writer = new FramedBodyWriter(suite, newKey, after.messageId, frameLength, (views) => {
        for (const view of views) view.fill(0);
      });
      for await (const frame of reader.frames()) {
        frameText = decryptFrame(before, key, frame, await reader.content(frame));
        for (const piece of frameText) for (const out of writer.write(piece)) yield emit(out);
      }
      await verifyOriginal();
      for (const out of writer.end()) yield emit(out);
    }
    if (signer && signingKey) yield serializeFooter(signer.sign(signingKey));
  } finally {
    materials.zeroize();
    key.fill(0);
    newKey?.fill(0);
    // Plaintext not yet re-encrypted when the caller stops early or the input fails.
    for (const piece of frameText) piece.fill(0);
    writer?.discard();
  }
}

function outputSuite(
  original: AlgorithmSuite,
  requested: number | undefined,
  policy: CommitmentPolicy,
): AlgorithmSuite {
  if (requested !== undefined) {
    const suite = getSuite(requested);
    assertSuiteAllowedForEncrypt(policy, suite);
    return suite;
  }
  if (suiteAllowedForEncrypt(policy, original)) return original;
  const committing = getSuite(
    original.signature
      ? SuiteId.AES_256_GCM_HKDF_SHA512_COMMIT_KEY_ECDSA_P384
      : SuiteId.AES_256_GCM_HKDF_SHA512_COMMIT_KEY,
  );
  assertSuiteAllowedForEncrypt(policy, committing);
  return committing;
}

/** Mode `add`: the same data key, every existing encrypted data key, plus `newKeyring`'s. */
async function addMasterKeys(
  before: MessageHeader,
  suite: AlgorithmSuite,
  opened: DecryptionMaterials,
  newKeyring: Keyring,
): Promise<EncryptionMaterials> {
  const refuse = (why: string) => {
    opened.zeroize();
    return new InvalidArgumentError(`Rewrap mode 'add' keeps the data key, but ${why}; use mode 'replace'.`);
  };
  if (suite !== before.suite) throw refuse('the suite cannot change under the same data key');
  if (!suite.kdfHash) {
    throw refuse(`suite ${suite.name} uses the data key itself as the content key, so it must be new`);
  }
  if (suite.signature) {
    throw refuse(
      `suite ${suite.name} signs each message with its own key, which its data keys are bound to (wrap it under every master key it should have)`,
    );
  }
  // The opened context: the stored pairs plus any required ones, which stay required (unstored).
  const materials = new EncryptionMaterials(suite, opened.encryptionContext);
  try {
    materials.requireEncryptionContextKeys(opened.requiredEncryptionContextKeys);
    materials.setDataKey(opened.dataKey);
    opened.zeroize();
    for (const edk of before.encryptedDataKeys) materials.addEncryptedDataKey(edk);
    await newKeyring.onEncrypt(materials);
  } catch (error) {
    materials.zeroize();
    throw error;
  }
  if (materials.encryptedDataKeys.length === before.encryptedDataKeys.length) {
    materials.zeroize();
    throw new InvalidArgumentError(`Keyring ${newKeyring.description} added no master key to the message.`);
  }
  return materials;
}

/** Mode `replace`: a fresh data key (and signing key) from `newKeyring`, as a new encrypt would make. */
async function replaceDataKey(
  suite: AlgorithmSuite,
  opened: DecryptionMaterials,
  newKeyring: Keyring,
): Promise<EncryptionMaterials> {
  opened.zeroize();
  // The opened context: the stored pairs plus any required ones, which stay required (unstored).
  const { [PUBLIC_KEY_CONTEXT_KEY]: _signingKey, ...callerContext }: EncryptionContext =
    opened.encryptionContext;
  const materials = await new DefaultMaterialsManager(newKeyring).getEncryptionMaterials({
    suite,
    encryptionContext: callerContext,
  });
  try {
    return materials.requireEncryptionContextKeys(opened.requiredEncryptionContextKeys);
  } catch (error) {
    materials.zeroize();
    throw error;
  }
}
