import type { FramePool } from './frame-pool.js';

/** A SharedArrayBuffer the frame workers can read: its id in the pool and a view of it here. */
export interface Slab {
  readonly id: number;
  readonly bytes: Buffer;
}

/**
 * Reusable input slabs of one body writer or reader: SharedArrayBuffers, each shared once with
 * every worker of the pool, so a job carries only (slab id, length, frames) and no bytes cross
 * between threads. Copying into a slab this thread has written before costs about a tenth of
 * copying into a fresh buffer (no page faults), which is what made the pool slower than one thread.
 *
 * At most `count` slabs exist (the owner's jobs in flight); a slab is acquired to fill a job and
 * released when the worker has answered that job, never earlier, so no slab is written while a
 * worker reads it. Memory: `count` × the largest job, allocated once per message.
 */
export class SlabRing {
  readonly #free: Slab[] = [];
  readonly #all = new Set<Slab>();

  constructor(
    private readonly pool: FramePool,
    private readonly size: number,
    private readonly count: number,
  ) {}

  /** A free slab of at least `minSize` bytes (the ring's size unless a job needs more). */
  acquire(minSize = this.size): Slab {
    let slab = this.#free.pop();
    if (slab && slab.bytes.length < minSize) {
      this.#all.delete(slab);
      this.pool.dropSlab(slab.id);
      slab = undefined;
    }
    if (!slab) {
      if (this.#all.size >= this.count) {
        throw new Error(`SlabRing: more than ${this.count} slabs in use (a job was not released).`);
      }
      slab = this.pool.shareSlab(Math.max(this.size, minSize));
      this.#all.add(slab);
    }
    return slab;
  }

  release(slab: Slab): void {
    if (this.#all.has(slab)) this.#free.push(slab);
  }

  /** Zero-fills every slab (they held plaintext); call once no worker reads them (pool closed). */
  zero(): void {
    for (const slab of this.#all) slab.bytes.fill(0);
  }
}
