/**
 * Gathers a message held in memory (the buffer API's result) into one buffer allocated up front at an
 * upper bound of its length, copying each piece in as it comes, while it is still in cache, rather
 * than keeping every piece for one concatenation at the end. node:crypto cannot encrypt into a given
 * buffer, so this one copy is the least left to do. Without a bound, or if a piece would overflow it,
 * it falls back to concatenation.
 */
export class OutputBuffer {
  #out: Buffer | undefined;
  #written = 0;
  /** Pieces kept for a concatenation (no bound, or the bound was exceeded). */
  #parts: Buffer[] = [];
  #partsLength = 0;
  /** With {@link reserveFromSecond}: the upper bound, and the first piece, kept as it is until a second. */
  #lazyBound: number | undefined;
  #lone: Buffer | undefined;

  /** Allocates the output once its upper bound is known; before the first piece only. */
  reserve(bound: number): void {
    if (this.#out === undefined && this.#partsLength === 0) this.#out = Buffer.allocUnsafeSlow(bound);
  }

  /**
   * Like {@link reserve}, but nothing is allocated until a second piece arrives: a lone piece (the
   * one frame of every small message) is the result as it is, with no copy. The piece must be a
   * buffer of its own (e.g. a decipher's output), since the caller gets it back.
   */
  reserveFromSecond(bound: number): void {
    this.#lazyBound = bound;
  }

  /** Copies `piece` in; with `wipe`, zero-fills the piece once copied (plaintext). */
  push(piece: Buffer, wipe = false): void {
    if (this.#lazyBound !== undefined) {
      if (this.#lone === undefined) {
        this.#lone = piece;
        return;
      }
      const lone = this.#lone;
      this.#lone = undefined;
      this.reserve(this.#lazyBound);
      this.#lazyBound = undefined;
      this.push(lone, wipe);
    }
    const out = this.#out;
    if (out !== undefined && this.#written + piece.length <= out.length) {
      this.#written += piece.copy(out, this.#written);
      if (wipe) piece.fill(0);
      return;
    }
    if (out !== undefined) {
      // The bound was wrong: keep what is written as the first piece, concatenate from here on.
      this.#parts.push(out.subarray(0, this.#written));
      this.#partsLength = this.#written;
      this.#out = undefined;
    }
    this.#parts.push(piece);
    this.#partsLength += piece.length;
  }

  /**
   * {@link push} without wiping, returning the bytes as stored: a view of the output (consecutive
   * pieces are adjacent views of one buffer), or the piece itself when it was not copied there.
   */
  pushStored(piece: Buffer): Buffer {
    const at = this.#written;
    this.push(piece);
    const out = this.#out;
    return out !== undefined && this.#written === at + piece.length ? out.subarray(at, this.#written) : piece;
  }

  /** The gathered bytes; an unused tail of the allocation is zero-filled, not left uninitialized. */
  result(): Buffer {
    if (this.#lone !== undefined) return this.#lone;
    if (this.#out === undefined) {
      // Not Buffer.concat: a small result would be a view into Node's shared allocation pool.
      const joined = Buffer.allocUnsafeSlow(this.#partsLength);
      let at = 0;
      for (const part of this.#parts) at += part.copy(joined, at);
      return joined;
    }
    this.#out.fill(0, this.#written);
    return this.#out.subarray(0, this.#written);
  }

  /** Zero-fills everything gathered (a decrypt that failed). */
  zero(): void {
    this.#lone?.fill(0);
    this.#out?.fill(0);
    for (const part of this.#parts) part.fill(0);
  }
}
