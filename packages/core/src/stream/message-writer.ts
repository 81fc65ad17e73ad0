import { LimitExceededError } from '../errors.js';
import { serializeFooter } from '../format/body.js';
import type { MessageHeader } from '../format/header.js';
import type { EncryptDetails } from '../format/message-format.js';
import { createSigner } from '../suites/signature.js';
import { FramedBodyWriter } from './frame-encryptor.js';
import type { OpenedEncryption } from './open-encryption.js';
import { RegionHash } from './region-hash.js';

export interface MessageWriterOptions {
  /**
   * The caller keeps the whole message in one buffer and hands every byte it wrote (header and
   * frames, in order) to {@link MessageWriter.hashOutput}, as views of that buffer, so the signer
   * hashes large contiguous regions rather than each piece. Without it the writer signs each piece.
   */
  readonly callerHashes?: boolean;
}

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
  /** With `callerHashes`: the signer fed by {@link hashOutput}, in regions. */
  readonly #regions: RegionHash | undefined;
  /** The body is hashed and signed: what follows (the footer) is not signed. */
  #bodyDone = false;
  #remainingAllowed: number;
  #closed = false;

  constructor(opened: OpenedEncryption, options: MessageWriterOptions = {}) {
    this.#opened = opened;
    const { suite, key, header, frameLength, plaintextLimit } = opened;
    this.#signer = suite.signature ? createSigner(suite.signature) : undefined;
    this.#regions = this.#signer && options.callerHashes ? new RegionHash(this.#signer) : undefined;
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
    // The caller hashed the final frame before asking for the next piece: hash what is pending.
    this.#regions?.flush();
    this.#bodyDone = true;
    if (this.#signer && signingKey) yield serializeFooter(this.#signer.sign(signingKey));
    this.close();
  }

  /**
   * With `callerHashes`: the bytes of the message as the caller stored them, every piece the writer
   * yielded, in order, each before asking the writer for its next piece. The footer, yielded last,
   * is not signed and is ignored.
   */
  hashOutput(stored: Buffer): void {
    if (!this.#bodyDone) this.#regions?.update(stored);
  }

  /** Zero-fills the content key (done, failed or abandoned); idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#body.discard();
    this.#opened.key.fill(0);
  }

  #signed(bytes: Buffer): Buffer {
    if (this.#regions === undefined) this.#signer?.update(bytes);
    return bytes;
  }
}
