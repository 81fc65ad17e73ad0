import { randomBytes, randomFillSync } from 'node:crypto';
import { startupSnapshot } from 'node:v8';

const POOL_SIZE = 4096;
/** Larger requests gain nothing from pooling and would drain it: they go straight to randomBytes. */
const MAX_POOLED = 256;

/**
 * Hands out bytes from OpenSSL's CSPRNG (`randomFillSync`) a refill of 4 KiB at a time: one native
 * call per ~50 messages instead of three per message (message id, data key, keyring IV).
 *
 * Why it is safe:
 * - No reuse: the offset only moves forward; each byte is copied out to exactly one caller, and the
 *   pool is refilled with fresh random bytes, never rewound.
 * - Nothing secret lingers: the bytes handed out (data keys among them) are zero-filled in the pool
 *   as they are copied out, so the pool holds only bytes no one has seen.
 * - No fork problem: Node never forks a running JavaScript heap. Child processes start a fresh
 *   process; each worker thread loads its own copy of this module and so has its own pool. The one
 *   way a heap is copied is a user-land startup snapshot (`node --build-snapshot`): the pool is
 *   emptied before it is serialized, so processes started from a snapshot never share bytes.
 */
export class RandomPool {
  #pool = Buffer.alloc(0);
  #offset = 0;

  constructor(private readonly fill: (pool: Buffer) => void = (pool) => void randomFillSync(pool)) {}

  /** `length` fresh random bytes in a buffer the caller owns. */
  take(length: number): Buffer {
    if (length > MAX_POOLED) return randomBytes(length);
    if (this.#offset + length > this.#pool.length) {
      this.#pool.fill(0);
      this.#pool = Buffer.allocUnsafeSlow(POOL_SIZE);
      this.fill(this.#pool);
      this.#offset = 0;
    }
    const slice = this.#pool.subarray(this.#offset, this.#offset + length);
    this.#offset += length;
    const out = Buffer.from(slice);
    slice.fill(0);
    return out;
  }

  /** Drops every unused byte. */
  clear(): void {
    this.#pool.fill(0);
    this.#pool = Buffer.alloc(0);
    this.#offset = 0;
  }
}

const shared = new RandomPool();
if (startupSnapshot?.isBuildingSnapshot()) startupSnapshot.addSerializeCallback(() => shared.clear());

/** Fresh random bytes for message ids, data keys and IVs; see {@link RandomPool} for why pooling is safe. */
export function randomBytesFromPool(length: number): Buffer {
  return shared.take(length);
}
