import { createDecipheriv, type KeyObject, type Verify } from 'node:crypto';
import {
  BodyFormatError,
  DecryptionFailedError,
  EncryptionContextMismatchError,
  LimitExceededError,
} from '../errors.js';
import { BodyAadContent, bodyAad, FINAL_FRAME_MARKER, MAX_NON_FRAMED_CONTENT } from '../format/body.js';
import { missingContextPairs } from '../format/encryption-context.js';
import { ContentType, type MessageHeader, verifyHeaderTag } from '../format/header.js';
import { DEFAULT_MAX_BUFFERED_PLAINTEXT, type DecryptOptions, materialsManagerOf } from '../options.js';
import { assertSuiteAllowedForDecrypt, DEFAULT_COMMITMENT_POLICY } from '../suites/commitment-policy.js';
import { assertKeyCommitment, deriveEncryptionKey } from '../suites/key-derivation.js';
import { createVerifier } from '../suites/signature.js';
import { ChunkQueue } from './chunk-queue.js';
import { readerLimits, readHeader } from './read-header.js';

/**
 * Decrypts one message from a byte stream. Plaintext of a frame is released only after that frame's
 * tag verified; see {@link DecryptOptions.releasePlaintext} for what waits on the signature.
 * `onHeader` is called once the header authenticated, before any plaintext is produced.
 */
export async function* decryptMessage(
  source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  options: DecryptOptions,
  onHeader?: (header: MessageHeader) => void,
): AsyncGenerator<Buffer> {
  const queue = new ChunkQueue(toAsync(source));
  const limits = readerLimits(options);
  const parsed = await readHeader(queue, limits);
  const { header } = parsed;
  const { suite } = header;
  assertSuiteAllowedForDecrypt(options.commitmentPolicy ?? DEFAULT_COMMITMENT_POLICY, suite);
  const missing = missingContextPairs(header.encryptionContext, options.requiredEncryptionContext ?? {});
  if (missing.length > 0) {
    throw new EncryptionContextMismatchError(
      `The message's encryption context lacks the required pair(s) for key(s): ${missing.join(', ')}.`,
    );
  }

  const materials = await materialsManagerOf(options).getDecryptionMaterials({
    suite,
    encryptionContext: header.encryptionContext,
    encryptedDataKeys: header.encryptedDataKeys,
  });
  let key: Buffer;
  try {
    assertKeyCommitment(suite, materials.dataKey, header.messageId, header.suiteData);
    key = deriveEncryptionKey(suite, materials.dataKey, header.messageId);
  } finally {
    materials.zeroize();
  }

  try {
    verifyHeaderTag(parsed, key);
    const verifier = suite.signature ? createVerifier(suite.signature) : undefined;
    verifier?.update(parsed.raw);
    onHeader?.(header);

    const holdAll = options.releasePlaintext === 'after-message';
    const maxHeld = options.maxBufferedPlaintext ?? DEFAULT_MAX_BUFFERED_PLAINTEXT;
    const held: Buffer[] = [];
    let heldLength = 0;
    const body = new BodyReader(queue, header, key, verifier, limits.maxFrameLength);
    try {
      for await (const frame of body.frames()) {
        // A signed message's final frame waits for the signature, so a forged ending is never released.
        if (holdAll || (frame.final && verifier)) {
          held.push(...frame.plaintext);
          heldLength += frame.length;
          if (heldLength > maxHeld) {
            throw new LimitExceededError(
              `releasePlaintext 'after-message' would buffer more than ${maxHeld} bytes; raise maxBufferedPlaintext or use 'per-frame'.`,
            );
          }
        } else {
          yield* frame.plaintext;
        }
      }
      if (verifier && materials.verificationKey)
        await verifySignature(queue, verifier, materials.verificationKey);
      if (!(await queue.atEnd())) throw new BodyFormatError('Unexpected bytes after the end of the message.');
      yield* held.splice(0);
    } finally {
      for (const piece of held) piece.fill(0);
    }
  } finally {
    key.fill(0);
  }
}

interface DecryptedFrame {
  readonly final: boolean;
  readonly length: number;
  readonly plaintext: Buffer[];
}

/** Reads, authenticates and decrypts body frames in order (data-format/message-body.md). */
class BodyReader {
  constructor(
    private readonly queue: ChunkQueue,
    private readonly header: MessageHeader,
    private readonly key: Buffer,
    private readonly verifier: Verify | undefined,
    private readonly maxFrameLength: number,
  ) {}

  async *frames(): AsyncGenerator<DecryptedFrame> {
    if (this.header.contentType === ContentType.NON_FRAMED) {
      yield await this.#nonFramed();
      return;
    }
    const { ivLength } = this.header.suite;
    for (let expected = 1; ; expected++) {
      const marker = (await this.#field(4, 'frame sequence number')).readUInt32BE(0);
      const final = marker === FINAL_FRAME_MARKER;
      const seq = final ? (await this.#field(4, 'final frame sequence number')).readUInt32BE(0) : marker;
      if (seq !== expected) {
        throw new BodyFormatError(`Frame sequence number ${seq} is out of order; expected ${expected}.`);
      }
      const iv = await this.#field(ivLength, 'frame IV');
      let length = this.header.frameLength;
      if (final) {
        length = (await this.#field(4, 'final frame content length')).readUInt32BE(0);
        if (length > this.header.frameLength) {
          throw new BodyFormatError(
            `The final frame claims ${length} bytes, more than the frame length ${this.header.frameLength}.`,
          );
        }
      }
      const aadContent = final ? BodyAadContent.FINAL_FRAME : BodyAadContent.FRAME;
      const plaintext = await this.#decrypt(
        iv,
        bodyAad(this.header.messageId, aadContent, seq, length),
        length,
      );
      yield { final, length, plaintext };
      if (final) return;
    }
  }

  async #nonFramed(): Promise<DecryptedFrame> {
    const iv = await this.#field(this.header.suite.ivLength, 'body IV');
    const lengthBytes = await this.#field(8, 'body content length');
    const length = Number(lengthBytes.readBigUInt64BE(0));
    if (length > MAX_NON_FRAMED_CONTENT)
      throw new BodyFormatError(`Non-framed content length ${length} is invalid.`);
    const max = this.maxFrameLength;
    if (length > max) {
      throw new LimitExceededError(`The non-framed body of ${length} bytes exceeds maxFrameLength ${max}.`);
    }
    const aad = bodyAad(this.header.messageId, BodyAadContent.SINGLE_BLOCK, 1, length);
    return { final: true, length, plaintext: await this.#decrypt(iv, aad, length) };
  }

  /** Decrypts `length` bytes plus the tag; plaintext is discarded (zero-filled) if the tag fails. */
  async #decrypt(iv: Buffer, aad: Buffer, length: number): Promise<Buffer[]> {
    const { suite } = this.header;
    const ciphertext = await this.#pieces(length + suite.tagLength, 'frame content');
    const decipher = createDecipheriv(suite.cipher, this.key, iv, { authTagLength: suite.tagLength });
    decipher.setAAD(aad);
    const plaintext: Buffer[] = [];
    let left = length;
    const tagParts: Buffer[] = [];
    for (const piece of ciphertext) {
      const content = piece.subarray(0, Math.min(left, piece.length));
      if (content.length) plaintext.push(decipher.update(content));
      if (content.length < piece.length) tagParts.push(piece.subarray(content.length));
      left -= content.length;
    }
    decipher.setAuthTag(tagParts.length === 1 ? tagParts[0]! : Buffer.concat(tagParts));
    try {
      const tail = decipher.final();
      if (tail.length) plaintext.push(tail);
    } catch (cause) {
      for (const piece of plaintext) piece.fill(0);
      throw new DecryptionFailedError({ cause });
    }
    return plaintext;
  }

  async #pieces(length: number, field: string): Promise<Buffer[]> {
    if (!(await this.queue.ensure(length)))
      throw new BodyFormatError(`The message ends inside the ${field}.`);
    const pieces = this.queue.takePieces(length);
    for (const piece of pieces) this.verifier?.update(piece);
    return pieces;
  }

  async #field(length: number, field: string): Promise<Buffer> {
    const pieces = await this.#pieces(length, field);
    return pieces.length === 1 ? pieces[0]! : Buffer.concat(pieces);
  }
}

async function verifySignature(queue: ChunkQueue, verifier: Verify, key: KeyObject): Promise<void> {
  if (!(await queue.ensure(2))) throw new BodyFormatError('The signed message ends before its footer.');
  const length = queue.take(2).readUInt16BE(0);
  if (!(await queue.ensure(length))) throw new BodyFormatError('The message ends inside its signature.');
  const signature = queue.take(length);
  if (!verifier.verify(key, signature)) throw new DecryptionFailedError();
}

async function* toAsync<T>(source: AsyncIterable<T> | Iterable<T>): AsyncGenerator<T> {
  yield* source;
}
