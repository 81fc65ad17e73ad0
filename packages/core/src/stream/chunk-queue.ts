/**
 * Pulls bytes from an async iterable in the amounts a parser asks for. Frame contents come back as
 * views of the source chunks (no copy); only small fields that straddle chunks are concatenated.
 */
export class ChunkQueue {
  #chunks: Buffer[] = [];
  #head = 0; // offset into #chunks[0]
  #buffered = 0;
  #done = false;
  readonly #source: AsyncIterator<Uint8Array>;

  constructor(source: AsyncIterable<Uint8Array>) {
    this.#source = source[Symbol.asyncIterator]();
  }

  get buffered(): number {
    return this.#buffered;
  }

  /** Reads one more chunk from the source; false at its end. */
  async pull(): Promise<boolean> {
    while (!this.#done) {
      const next = await this.#source.next();
      if (next.done) {
        this.#done = true;
        break;
      }
      const chunk = toBuffer(next.value);
      if (chunk.length === 0) continue;
      this.#chunks.push(chunk);
      this.#buffered += chunk.length;
      return true;
    }
    return false;
  }

  /** Buffers at least `n` bytes; false when the source ends first. */
  async ensure(n: number): Promise<boolean> {
    while (this.#buffered < n) if (!(await this.pull())) return false;
    return true;
  }

  /** Everything buffered, as one contiguous buffer (for header parsing). */
  contiguous(): Buffer {
    if (this.#chunks.length !== 1 || this.#head !== 0) {
      const all = Buffer.concat([
        this.#chunks[0]?.subarray(this.#head) ?? Buffer.alloc(0),
        ...this.#chunks.slice(1),
      ]);
      this.#chunks = all.length ? [all] : [];
      this.#head = 0;
    }
    return this.#chunks[0] ?? Buffer.alloc(0);
  }

  /** Removes `n` buffered bytes and returns them as views, in order. Caller ensured they are buffered. */
  takePieces(n: number): Buffer[] {
    const pieces: Buffer[] = [];
    let left = n;
    while (left > 0) {
      const chunk = this.#chunks[0]!;
      const available = chunk.length - this.#head;
      const take = Math.min(available, left);
      pieces.push(chunk.subarray(this.#head, this.#head + take));
      left -= take;
      if (take === available) {
        this.#chunks.shift();
        this.#head = 0;
      } else {
        this.#head += take;
      }
    }
    this.#buffered -= n;
    return pieces;
  }

  /** Removes `n` buffered bytes as one buffer (copied only when they straddle chunks). */
  take(n: number): Buffer {
    const pieces = this.takePieces(n);
    return pieces.length === 1 ? pieces[0]! : Buffer.concat(pieces);
  }

  /** True when the source has no bytes left. */
  async atEnd(): Promise<boolean> {
    return !(await this.ensure(1));
  }
}

export function toBuffer(chunk: Uint8Array | string): Buffer {
  if (typeof chunk === 'string') return Buffer.from(chunk, 'utf8');
  return Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}
