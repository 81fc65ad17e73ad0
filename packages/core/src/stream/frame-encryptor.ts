import { createCipheriv } from 'node:crypto';
import { InvalidArgumentError } from '../errors.js';
import {
  BodyAadContent,
  bodyAad,
  finalFrameHeader,
  frameIv,
  regularFrameHeader,
  writeSequenceAndLength,
} from '../format/body.js';
import type { AlgorithmSuite } from '../suites/algorithm-suites.js';

const LAST_SEQUENCE_NUMBER = 0xfffffffe;

/**
 * Writes a framed body (data-format/message-body.md) under one message's content key.
 *
 * AES-GCM (key, IV) pairs: the key is the message's content key, derived from the data key and the
 * message's fresh random message id (or, for the legacy NO_KDF suites, a data key used for this
 * message only); the header tag uses the all-zero IV and frame n uses IV = n for n = 1 … 2^32 − 2,
 * each sequence number taken once by {@link FrameEncryptor}. So no pair is used twice in a message,
 * and no pair of another message can share its key.
 */
export class FramedBodyWriter {
  readonly #frames: FrameEncryptor;
  #pending: Buffer[] = [];
  #pendingLength = 0;

  constructor(
    suite: AlgorithmSuite,
    key: Buffer,
    messageId: Buffer,
    private readonly frameLength: number,
    /**
     * Called with plaintext views the writer no longer needs: once their frame is encrypted, or on
     * {@link discard}. Rewrap zero-fills them; encrypt leaves the caller's buffers alone.
     */
    private readonly release?: (plaintext: readonly Buffer[]) => void,
  ) {
    this.#frames = new FrameEncryptor(suite, key, messageId, frameLength);
  }

  /** Takes plaintext by reference; yields every frame it completes. */
  *write(chunk: Buffer): Generator<Buffer> {
    let rest = chunk;
    while (rest.length > 0) {
      const take = Math.min(this.frameLength - this.#pendingLength, rest.length);
      this.#pending.push(take === rest.length ? rest : rest.subarray(0, take));
      this.#pendingLength += take;
      rest = rest.subarray(take);
      if (this.#pendingLength === this.frameLength) {
        yield* this.#frames.regular(this.#pending);
        this.#release();
      }
    }
  }

  /**
   * The final frame's pieces (content empty when the plaintext is an exact multiple of the frame
   * length). An array, not a generator: it runs once per message, for a one-frame message the only
   * frame, where two generator objects showed up in allocation profiles.
   */
  end(): Buffer[] {
    const out = this.#frames.final(this.#pending, this.#pendingLength);
    this.#release();
    return out;
  }

  /** Drops the plaintext of an unfinished frame (the message is abandoned). */
  discard(): void {
    this.#release();
  }

  #release(): void {
    this.release?.(this.#pending);
    this.#pending = [];
    this.#pendingLength = 0;
  }
}

/** Encrypts frames in sequence; yields each frame as header piece, ciphertext pieces and tag. */
class FrameEncryptor {
  #sequenceNumber = 1;
  /**
   * The regular frames' body AAD, its sequence number rewritten per frame (setAAD copies it in);
   * made with the first regular frame, so a one-frame message (only a final frame) never builds it.
   */
  #regularAad: Buffer | undefined;
  readonly #cipherOptions: { readonly authTagLength: number };

  constructor(
    private readonly suite: AlgorithmSuite,
    private readonly key: Buffer,
    private readonly messageId: Buffer,
    private readonly frameLength: number,
  ) {
    this.#cipherOptions = { authTagLength: suite.tagLength };
  }

  *regular(content: readonly Buffer[]): Generator<Buffer> {
    const seq = this.#next();
    const iv = frameIv(this.suite.ivLength, seq);
    yield regularFrameHeader(seq, iv);
    this.#regularAad ??= bodyAad(this.messageId, BodyAadContent.FRAME, seq, this.frameLength);
    writeSequenceAndLength(this.#regularAad, seq, this.frameLength);
    yield* this.#encrypt(iv, this.#regularAad, content, []);
  }

  final(content: readonly Buffer[], contentLength: number): Buffer[] {
    const seq = this.#next();
    const iv = frameIv(this.suite.ivLength, seq);
    const out = [finalFrameHeader(seq, iv, contentLength)];
    this.#encrypt(iv, bodyAad(this.messageId, BodyAadContent.FINAL_FRAME, seq, contentLength), content, out);
    return out;
  }

  /**
   * Appends the frame's ciphertext pieces and tag to `out`, in order, and returns it (an array: one
   * generator less per frame).
   */
  #encrypt(iv: Buffer, aad: Buffer, content: readonly Buffer[], out: Buffer[]): Buffer[] {
    const cipher = createCipheriv(this.suite.cipher, this.key, iv, this.#cipherOptions);
    cipher.setAAD(aad);
    for (const piece of content) out.push(cipher.update(piece));
    const tail = cipher.final();
    if (tail.length) out.push(tail);
    out.push(cipher.getAuthTag());
    return out;
  }

  #next(): number {
    if (this.#sequenceNumber > LAST_SEQUENCE_NUMBER) {
      throw new InvalidArgumentError('The message would exceed 2^32 - 2 frames; use a larger frameLength.');
    }
    return this.#sequenceNumber++;
  }
}
