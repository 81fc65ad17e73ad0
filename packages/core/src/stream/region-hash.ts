/** What a region is handed to: a signer or verifier (or a plain hash). */
export interface HashUpdate {
  update(bytes: Buffer): unknown;
}

/** Contiguous bytes gathered before one `update`: past this, the region is hashed at once. */
export const REGION_BYTES = 256 * 1024;

/**
 * Feeds a signature hash the bytes of a message held in one buffer in large contiguous regions
 * rather than piece by piece (a frame is a header, its ciphertext and its tag: three small updates).
 * A piece that starts where the pending region ends, in the same memory, extends it; any other piece
 * first hashes the pending region. So the hash sees exactly the pieces' bytes, in order.
 *
 * The pieces must not change until {@link flush} (or the next region) hashed them: the buffer paths
 * hand it views of an output they only append to, or of the caller's input, with no await between.
 * Call {@link flush} before signing or verifying.
 */
export class RegionHash {
  readonly #hash: HashUpdate;
  readonly #regionBytes: number;
  /** The pending region: a view whose memory the next adjacent piece extends. */
  #region: Buffer | undefined;
  #start = 0;
  #end = 0;

  constructor(hash: HashUpdate, regionBytes = REGION_BYTES) {
    this.#hash = hash;
    this.#regionBytes = regionBytes;
  }

  update(piece: Buffer): void {
    if (piece.length === 0) return;
    const region = this.#region;
    if (region !== undefined && piece.buffer === region.buffer && piece.byteOffset === this.#end) {
      this.#end += piece.length;
    } else {
      this.flush();
      this.#region = piece;
      this.#start = piece.byteOffset;
      this.#end = piece.byteOffset + piece.length;
    }
    if (this.#end - this.#start >= this.#regionBytes) this.flush();
  }

  /** Hashes the pending region, if any. */
  flush(): void {
    const region = this.#region;
    if (region === undefined) return;
    this.#region = undefined;
    this.#hash.update(Buffer.from(region.buffer, this.#start, this.#end - this.#start));
  }
}
