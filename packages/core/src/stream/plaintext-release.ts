import { LimitExceededError } from '../errors.js';
import { DEFAULT_MAX_BUFFERED_PLAINTEXT, type DecryptOptions } from '../options.js';

/**
 * When a decrypted frame's plaintext may leave decrypt (every frame has verified its own tag by
 * then): at once; for a signed message, all but its last frame with content, which waits for the
 * signature; or, with `releasePlaintext: 'after-message'`, nothing before the whole message verified.
 * The streaming generator, the stream Transform and the worker pool's reader share it.
 */
export class PlaintextRelease {
  readonly #holdAll: boolean;
  readonly #signed: boolean;
  readonly #maxHeld: number;
  #held: Buffer[] = [];
  #heldLength = 0;

  constructor(options: DecryptOptions, signed: boolean) {
    this.#holdAll = options.releasePlaintext === 'after-message';
    this.#signed = signed;
    this.#maxHeld = options.maxBufferedPlaintext ?? DEFAULT_MAX_BUFFERED_PLAINTEXT;
  }

  /** Takes a verified frame's plaintext (`length` bytes); returns the pieces that may go now. */
  frame(plaintext: readonly Buffer[], length: number): readonly Buffer[] {
    if (this.#holdAll) {
      for (const piece of plaintext) this.#held.push(piece);
      this.#heldLength += length;
      if (this.#heldLength > this.#maxHeld) {
        throw new LimitExceededError(
          `releasePlaintext 'after-message' would buffer more than ${this.#maxHeld} bytes; raise maxBufferedPlaintext or use 'per-frame'.`,
        );
      }
      return [];
    }
    if (this.#signed) {
      // A signed message's last frame with content waits for the signature, so a forged ending is
      // never released. That is the final frame, or the one before it when the final frame is empty
      // (plaintext an exact multiple of the frame length); so at most two frames are held at once.
      if (length === 0) return [];
      const earlier = this.#held;
      this.#held = [...plaintext];
      return earlier;
    }
    return plaintext;
  }

  /** Everything held, once the whole message (signature included) verified. */
  end(): readonly Buffer[] {
    return this.#held.splice(0);
  }

  /** Zero-fills what is held (the message failed or was abandoned). */
  wipe(): void {
    for (const piece of this.#held) piece.fill(0);
    this.#held = [];
  }
}
