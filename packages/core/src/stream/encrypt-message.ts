import { createCipheriv, randomBytes } from 'node:crypto';
import { InvalidArgumentError, LimitExceededError } from '../errors.js';
import {
  BodyAadContent,
  bodyAad,
  finalFrameHeader,
  frameIv,
  regularFrameHeader,
  serializeFooter,
} from '../format/body.js';
import { assertCallerContext } from '../format/encryption-context.js';
import {
  ContentType,
  computeHeaderTag,
  type MessageHeader,
  messageIdLength,
  serializeHeader,
  serializeHeaderAuth,
} from '../format/header.js';
import {
  DEFAULT_FRAME_LENGTH,
  type EncryptOptions,
  MAX_FRAME_LENGTH,
  materialsManagerOf,
  positiveInteger,
} from '../options.js';
import { type AlgorithmSuite, DEFAULT_SUITE_ID, getSuite } from '../suites/algorithm-suites.js';
import { assertSuiteAllowedForEncrypt, DEFAULT_COMMITMENT_POLICY } from '../suites/commitment-policy.js';
import { deriveCommitmentKey, deriveEncryptionKey } from '../suites/key-derivation.js';
import { createSigner } from '../suites/signature.js';
import { toBuffer } from './chunk-queue.js';

const LAST_SEQUENCE_NUMBER = 0xfffffffe;

/**
 * Encrypts a plaintext stream into one AWS Encryption SDK message (framed body). Memory is bounded
 * by the frame length: input chunks are held by reference until their frame is full, then encrypted.
 * `onHeader` is called once the header is built, before any body byte is produced.
 */
export async function* encryptMessage(
  source: AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string>,
  options: EncryptOptions,
  onHeader?: (header: MessageHeader) => void,
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
  const messageId = randomBytes(messageIdLength(suite.messageFormat));
  let key: Buffer;
  let header: MessageHeader;
  try {
    key = deriveEncryptionKey(suite, materials.dataKey, messageId);
    const suiteData = suite.commitment
      ? deriveCommitmentKey(suite, materials.dataKey, messageId)
      : Buffer.alloc(0);
    header = Object.freeze({
      version: suite.messageFormat,
      suite,
      messageId,
      encryptionContext: materials.encryptionContext,
      encryptedDataKeys: materials.encryptedDataKeys,
      contentType: ContentType.FRAMED,
      frameLength,
      suiteData,
    });
  } finally {
    materials.zeroize();
  }

  try {
    const signer = suite.signature ? createSigner(suite.signature) : undefined;
    const emit = (bytes: Buffer): Buffer => {
      signer?.update(bytes);
      return bytes;
    };
    const headerBytes = serializeHeader(header);
    const headerIv = Buffer.alloc(suite.ivLength);
    onHeader?.(header);
    yield emit(
      Buffer.concat([
        headerBytes,
        serializeHeaderAuth(header.version, headerIv, computeHeaderTag(suite, key, headerBytes, headerIv)),
      ]),
    );

    const frame = new FrameEncryptor(suite, key, messageId, frameLength);
    let pending: Buffer[] = [];
    let pendingLength = 0;
    for await (const input of source) {
      let chunk = toBuffer(input);
      remainingAllowed -= chunk.length;
      if (remainingAllowed < 0) {
        throw new LimitExceededError('More plaintext was given than the declared plaintextLength.');
      }
      while (chunk.length > 0) {
        const take = Math.min(frameLength - pendingLength, chunk.length);
        pending.push(take === chunk.length ? chunk : chunk.subarray(0, take));
        pendingLength += take;
        chunk = chunk.subarray(take);
        if (pendingLength === frameLength) {
          for (const out of frame.regular(pending)) yield emit(out);
          pending = [];
          pendingLength = 0;
        }
      }
    }
    for (const out of frame.final(pending, pendingLength)) yield emit(out);
    if (signer && materials.signingKey) yield serializeFooter(signer.sign(materials.signingKey));
  } finally {
    key.fill(0);
  }
}

/** Encrypts frames in sequence; yields each frame as header piece, ciphertext pieces and tag. */
class FrameEncryptor {
  #sequenceNumber = 1;

  constructor(
    private readonly suite: AlgorithmSuite,
    private readonly key: Buffer,
    private readonly messageId: Buffer,
    private readonly frameLength: number,
  ) {}

  *regular(content: readonly Buffer[]): Generator<Buffer> {
    const seq = this.#next();
    const iv = frameIv(this.suite.ivLength, seq);
    yield regularFrameHeader(seq, iv);
    yield* this.#encrypt(iv, bodyAad(this.messageId, BodyAadContent.FRAME, seq, this.frameLength), content);
  }

  *final(content: readonly Buffer[], contentLength: number): Generator<Buffer> {
    const seq = this.#next();
    const iv = frameIv(this.suite.ivLength, seq);
    yield finalFrameHeader(seq, iv, contentLength);
    yield* this.#encrypt(
      iv,
      bodyAad(this.messageId, BodyAadContent.FINAL_FRAME, seq, contentLength),
      content,
    );
  }

  *#encrypt(iv: Buffer, aad: Buffer, content: readonly Buffer[]): Generator<Buffer> {
    const cipher = createCipheriv(this.suite.cipher, this.key, iv, { authTagLength: this.suite.tagLength });
    cipher.setAAD(aad);
    for (const piece of content) yield cipher.update(piece);
    const tail = cipher.final();
    if (tail.length) yield tail;
    yield cipher.getAuthTag();
  }

  #next(): number {
    if (this.#sequenceNumber > LAST_SEQUENCE_NUMBER) {
      throw new InvalidArgumentError('The message would exceed 2^32 - 2 frames; use a larger frameLength.');
    }
    return this.#sequenceNumber++;
  }
}
