import { LimitExceededError } from '../errors.js';
import { serializeFooter } from '../format/body.js';
import type { MessageHeader } from '../format/header.js';
import type { EncryptDetails } from '../format/message-format.js';
import { createSigner } from '../suites/signature.js';
import { FramedBodyWriter } from './frame-encryptor.js';
import type { OpenedEncryption } from './open-encryption.js';

/**
 * The body of one message after {@link openEncryption}: plaintext in by synchronous calls, message
 * bytes out in order (header, frames, footer), signed as they go, each frame as soon as it is full
 * (so a large chunk is never held as ciphertext all at once). The async generator and the stream
 * Transform both drive it, so a chunk costs no promise on the Transform's path.
 */
export class MessageWriter {
  readonly #opened: OpenedEncryption;
  readonly #body: FramedBodyWriter;
  readonly #signer;
  #remainingAllowed: number;
  #closed = false;

  constructor(opened: OpenedEncryption) {
    this.#opened = opened;
    const { suite, key, header, frameLength, plaintextLimit } = opened;
    this.#signer = suite.signature ? createSigner(suite.signature) : undefined;
    this.#body = new FramedBodyWriter(suite, key, header.messageId, frameLength);
    this.#remainingAllowed = plaintextLimit;
  }

  /** Calls `onHeader`, then yields the header bytes: before any body byte. */
  *start(onHeader?: (header: MessageHeader, details: EncryptDetails) => void): Generator<Buffer> {
    const { header, headerBytes, materials } = this.#opened;
    onHeader?.(header, { skippedMasterKeys: materials.skippedMasterKeys });
    yield this.#signed(headerBytes);
  }

  /** Takes plaintext by reference (held until its frame is full); yields every frame it completes. */
  *write(chunk: Buffer): Generator<Buffer> {
    this.#remainingAllowed -= chunk.length;
    if (this.#remainingAllowed < 0) {
      throw new LimitExceededError('More plaintext was given than the declared plaintextLength.');
    }
    for (const out of this.#body.write(chunk)) yield this.#signed(out);
  }

  /** Yields the final frame and the footer (signed suites; the footer itself is not signed). */
  *end(): Generator<Buffer> {
    for (const out of this.#body.end()) yield this.#signed(out);
    const { signingKey } = this.#opened.materials;
    if (this.#signer && signingKey) yield serializeFooter(this.#signer.sign(signingKey));
    this.close();
  }

  /** Zero-fills the content key (done, failed or abandoned); idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#body.discard();
    this.#opened.key.fill(0);
  }

  #signed(bytes: Buffer): Buffer {
    this.#signer?.update(bytes);
    return bytes;
  }
}
