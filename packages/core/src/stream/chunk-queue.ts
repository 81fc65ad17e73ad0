/**
 * Chunks shorter than this are copied into a shared slab rather than queued as they come: a sender
 * that splits its message into 1-byte chunks would otherwise cost one Buffer object (~100 bytes of
 * heap) per byte buffered, and one cipher call, verifier update and output buffer per byte downstream.
 */
const SMALL_CHUNK = 4 * 1024;
const SLAB_SIZE = 64 * 1024;
const EMPTY = Buffer.alloc(0);

/**
 * Pulls bytes from an iterable (async or not) in the amounts a parser asks for. Frame contents come back as
 * views of the source chunks, or of the slab small chunks were copied into (no further copy); only
 * small fields that straddle chunks are concatenated.
 *
 * Every operation costs O(bytes copied + chunks consumed), whatever the chunk sizes: consumed chunks
 * are skipped by an index and compacted away in amortized O(1), never shifted off the array one by
 * one; small chunks are coalesced, so the queue holds O(bytes / 4 KiB + large chunks) entries.
 */
export class ChunkQueue {
  #chunks: Buffer[] = [];
  #first = 0; // index of the first unconsumed chunk in #chunks
  #head = 0; // offset into #chunks[#first]
  #buffered = 0;
  #slab = EMPTY; // small chunks are copied to #slab[#slabUsed..]
  #slabUsed = 0;
  #done = false;
  readonly #source: AsyncIterator<Uint8Array> | Iterator<Uint8Array>;
  readonly #sync: boolean;

  /** A synchronous source (an array, a generator) is read without an async step per chunk. */
  constructor(source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>) {
    this.#sync = !(Symbol.asyncIterator in source);
    this.#source =
      Symbol.asyncIterator in source ? source[Symbol.asyncIterator]() : source[Symbol.iterator]();
  }

  get buffered(): number {
    return this.#buffered;
  }

  /** Buffers at least `n` bytes; false when the source ends first. */
  async ensure(n: number): Promise<boolean> {
    while (this.#buffered < n && !this.#done) {
      this.#pulled(this.#sync ? (this.#source as Iterator<Uint8Array>).next() : await this.#source.next());
    }
    return this.#buffered >= n;
  }

  /**
   * {@link ensure}, answered synchronously when it can be: the bytes are buffered, the source has
   * ended, or the source is synchronous (a message held in memory), which then costs no promise.
   */
  ensureNow(n: number): boolean | Promise<boolean> {
    if (!this.#sync) return this.#buffered >= n || this.#done ? this.#buffered >= n : this.ensure(n);
    const source = this.#source as Iterator<Uint8Array>;
    while (this.#buffered < n && !this.#done) this.#pulled(source.next());
    return this.#buffered >= n;
  }

  /** Queues what the source answered, or marks it ended. */
  #pulled(next: IteratorResult<Uint8Array>): void {
    if (next.done) {
      this.#done = true;
      return;
    }
    const chunk = toBuffer(next.value);
    this.#buffered += chunk.length;
    if (chunk.length > 0) this.#append(chunk);
  }

  /**
   * Buffers a chunk handed in rather than pulled from the source (a stream Transform's input, once
   * the header has been read). The source is then read only when the input has ended.
   */
  push(chunk: Buffer): void {
    this.#buffered += chunk.length;
    if (chunk.length > 0) this.#append(chunk);
  }

  /**
   * Everything buffered, as one contiguous buffer (for header parsing). Copies what is buffered when
   * it spans chunks, so a caller that asks repeatedly should let the buffered amount grow
   * geometrically in between.
   */
  contiguous(): Buffer {
    const live = this.#chunks.length - this.#first;
    if (live === 0) return EMPTY;
    if (live > 1 || this.#head !== 0) {
      const all = Buffer.concat(
        [this.#chunks[this.#first]!.subarray(this.#head), ...this.#chunks.slice(this.#first + 1)],
        this.#buffered,
      );
      this.#chunks = [all];
      this.#first = 0;
      this.#head = 0;
    }
    return this.#chunks[this.#first]!;
  }

  /** Removes `n` buffered bytes and returns them as views, in order. Caller ensured they are buffered. */
  takePieces(n: number): Buffer[] {
    const pieces: Buffer[] = [];
    for (let left = n; left > 0; ) {
      const piece = this.#next(left);
      pieces.push(piece);
      left -= piece.length;
    }
    this.#buffered -= n;
    return pieces;
  }

  /** Removes `n` buffered bytes as one buffer (copied only when they straddle chunks). */
  take(n: number): Buffer {
    const pieces = this.takePieces(n);
    return pieces.length === 1 ? pieces[0]! : Buffer.concat(pieces);
  }

  /** True when the source has no bytes left; synchronous when {@link ensureNow} is. */
  atEnd(): boolean | Promise<boolean> {
    const more = this.ensureNow(1);
    return more instanceof Promise ? more.then((has) => !has) : !more;
  }

  /**
   * Queues a chunk: large ones as they are, small ones copied to the end of the slab, unless nothing
   * is buffered: a lone small chunk (a small message in memory) is queued as it is, since there is
   * nothing to coalesce it with, which spares a 64 KiB slab per small message.
   */
  #append(chunk: Buffer): void {
    if (chunk.length >= SMALL_CHUNK || this.#first === this.#chunks.length) {
      this.#chunks.push(chunk);
      return;
    }
    if (this.#slab.length - this.#slabUsed < chunk.length) {
      this.#slab = Buffer.allocUnsafeSlow(SLAB_SIZE);
      this.#slabUsed = 0;
    }
    const start = this.#slabUsed;
    this.#slabUsed += chunk.copy(this.#slab, start);
    // Extend the last queued view when it ends where this chunk was copied; else queue a new view.
    // Bytes already handed out are never written again: the slab only grows past #slabUsed.
    const last = this.#chunks.length - 1;
    const tail = last >= this.#first ? this.#chunks[last]! : undefined;
    if (tail && tail.buffer === this.#slab.buffer && tail.byteOffset + tail.length === start) {
      this.#chunks[last] = this.#slab.subarray(tail.byteOffset, this.#slabUsed);
    } else {
      this.#chunks.push(this.#slab.subarray(start, this.#slabUsed));
    }
  }

  /** Consumes up to `max` bytes of the first chunk, as a view. */
  #next(max: number): Buffer {
    const chunk = this.#chunks[this.#first]!;
    const available = chunk.length - this.#head;
    if (max < available) {
      this.#head += max;
      return chunk.subarray(this.#head - max, this.#head);
    }
    const piece = this.#head === 0 ? chunk : chunk.subarray(this.#head);
    this.#chunks[this.#first++] = EMPTY; // the queue no longer keeps the consumed chunk alive
    this.#head = 0;
    // Drop consumed slots once they are at least half the array: each live slot is moved at most
    // once per halving, so the cost is amortized O(1) per chunk.
    if (this.#first === this.#chunks.length) {
      this.#chunks = [];
      this.#first = 0;
    } else if (this.#first >= 1024 && this.#first * 2 >= this.#chunks.length) {
      this.#chunks = this.#chunks.slice(this.#first);
      this.#first = 0;
    }
    return piece;
  }
}

export function toBuffer(chunk: Uint8Array | string): Buffer {
  if (typeof chunk === 'string') return Buffer.from(chunk, 'utf8');
  return Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}
