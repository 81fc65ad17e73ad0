import { DecryptionFailedError, InvalidArgumentError } from '../errors.js';
import { serializeFooter } from '../format/body.js';
import type { EncryptedDataKey } from '../format/encrypted-data-key.js';
import { PUBLIC_KEY_CONTEXT_KEY } from '../format/encryption-context.js';
import {
  computeHeaderTag,
  type MessageHeader,
  serializeHeader,
  serializeHeaderAuth,
} from '../format/header.js';
import type { Keyring } from '../keyrings/keyring.js';
import { EncryptionMaterials } from '../materials/materials.js';
import type { DecryptOptions } from '../options.js';
import { createSigner, createVerifier, generateSigningKey } from '../suites/signature.js';
import { ChunkQueue } from './chunk-queue.js';
import { decryptFrame, toAsync } from './decrypt-message.js';
import { FrameReader } from './frame-reader.js';
import { openMessage } from './open-message.js';
import { readerLimits } from './read-header.js';

export interface RewrapOptions extends DecryptOptions {
  /** Wraps the data key anew: each of its master keys adds an encrypted data key. */
  readonly newKeyring?: Keyring;
  /**
   * Which of the message's existing encrypted data keys to keep (unsigned suites only: a signed
   * message gets a new signing key, which changes the encryption context every EDK is bound to).
   * Default: keep none.
   */
  readonly keep?: (edk: EncryptedDataKey) => boolean;
  /** Authenticate every frame's tag while copying (default true). The body is never changed. */
  readonly verifyBody?: boolean;
}

/**
 * Replaces, adds or removes master keys of an existing message by rewriting only its header: the
 * data key is unwrapped once and wrapped anew, the header tag recomputed; body frames are copied
 * byte for byte. Signed messages are re-signed with a fresh key pair while streaming, after the
 * original signature is verified (so a forged message is never laundered into a valid one).
 */
export async function* rewrapMessage(
  source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  options: RewrapOptions,
  onHeader?: (before: MessageHeader, after: MessageHeader) => void,
): AsyncGenerator<Buffer> {
  const queue = new ChunkQueue(toAsync(source));
  const limits = readerLimits(options);
  const { parsed, materials, key } = await openMessage(queue, options, limits);
  const { header } = parsed;
  const { suite } = header;
  try {
    const kept = header.encryptedDataKeys.filter((edk) => options.keep?.(edk) ?? false);
    const signing = suite.signature ? await generateSigningKey(suite.signature) : undefined;
    if (signing && kept.length > 0) {
      throw new InvalidArgumentError(
        'A signed message gets a new signing key on rewrap, which changes the encryption context its data keys are bound to; rewrap it with a newKeyring holding every master key it should have, and keep none.',
      );
    }
    const encryptionContext = signing
      ? {
          ...header.encryptionContext,
          [PUBLIC_KEY_CONTEXT_KEY]: signing.compressedPublicKey.toString('base64'),
        }
      : header.encryptionContext;
    const rewrapped = new EncryptionMaterials(suite, Object.freeze(encryptionContext), signing?.privateKey);
    try {
      rewrapped.setDataKey(materials.dataKey);
      materials.zeroize();
      for (const edk of kept) rewrapped.addEncryptedDataKey(edk);
      await options.newKeyring?.onEncrypt(rewrapped);
    } finally {
      materials.zeroize();
      rewrapped.zeroize();
    }
    if (rewrapped.encryptedDataKeys.length === 0) {
      throw new InvalidArgumentError(
        'Rewrap would leave the message with no encrypted data key; pass newKeyring or keep.',
      );
    }

    const newHeader: MessageHeader = Object.freeze({
      ...header,
      encryptionContext: rewrapped.encryptionContext,
      encryptedDataKeys: rewrapped.encryptedDataKeys,
    });
    const headerBytes = serializeHeader(newHeader);
    const iv = Buffer.alloc(suite.ivLength);
    const headerOut = Buffer.concat([
      headerBytes,
      serializeHeaderAuth(header.version, iv, computeHeaderTag(suite, key, headerBytes, iv)),
    ]);
    onHeader?.(header, newHeader);

    const verifier = suite.signature ? createVerifier(suite.signature) : undefined;
    const signer = suite.signature ? createSigner(suite.signature) : undefined;
    verifier?.update(parsed.raw);
    signer?.update(headerOut);
    yield headerOut;

    let pending: Buffer[] = [];
    const body = new FrameReader(queue, header, limits.maxFrameLength, (piece) => {
      verifier?.update(piece);
      signer?.update(piece);
      pending.push(piece);
    });
    for await (const frame of body.frames()) {
      const content = await body.content(frame);
      if (options.verifyBody ?? true)
        for (const piece of decryptFrame(header, key, frame, content)) piece.fill(0);
      yield* pending;
      pending = [];
    }
    if (verifier && signer && signing) {
      const original = await body.footer();
      if (!materials.verificationKey || !verifier.verify(materials.verificationKey, original)) {
        throw new DecryptionFailedError();
      }
      await body.assertEnd();
      yield serializeFooter(signer.sign(signing.privateKey));
    } else {
      await body.assertEnd();
    }
  } finally {
    materials.zeroize();
    key.fill(0);
  }
}
