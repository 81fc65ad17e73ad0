import { createCipheriv, createHash } from 'node:crypto';

/**
 * A reproducible random source: the AES-256-CTR keystream under a key derived from a seed string.
 * The same seed always yields the same numbers, so any fuzz case can be replayed from its seed alone.
 */
export class SeededRandom {
  readonly #cipher;
  #pool = Buffer.alloc(0);
  #at = 0;

  constructor(readonly seed: string) {
    const key = createHash('sha256').update(`envelope-fuzz:${seed}`).digest();
    this.#cipher = createCipheriv('aes-256-ctr', key, Buffer.alloc(16));
  }

  /** `n` random bytes (a fresh copy). */
  bytes(n: number): Buffer {
    const out = Buffer.alloc(n);
    for (let filled = 0; filled < n; ) {
      if (this.#at === this.#pool.length) {
        this.#pool = this.#cipher.update(Buffer.alloc(4096));
        this.#at = 0;
      }
      const take = Math.min(n - filled, this.#pool.length - this.#at);
      this.#pool.copy(out, filled, this.#at, this.#at + take);
      this.#at += take;
      filled += take;
    }
    return out;
  }

  /** A uniform float in [0, 1). */
  float(): number {
    return this.bytes(6).readUIntBE(0, 6) / 2 ** 48;
  }

  /** A uniform integer in [min, max] (inclusive). */
  int(min: number, max: number): number {
    return min + Math.floor(this.float() * (max - min + 1));
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    return this.float() < p;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from an empty list');
    return items[this.int(0, items.length - 1)]!;
  }

  /** Picks by weight: `[[weight, value], ...]`. */
  weighted<T>(items: ReadonlyArray<readonly [number, T]>): T {
    const total = items.reduce((sum, [w]) => sum + w, 0);
    let roll = this.float() * total;
    for (const [w, value] of items) {
      if ((roll -= w) < 0) return value;
    }
    return items[items.length - 1]![1];
  }
}
