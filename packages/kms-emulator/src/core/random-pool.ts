import { randomBytes, randomFillSync } from 'node:crypto';

/** Bytes drawn from the CSPRNG at once; requests larger than a quarter of it go to it directly. */
const POOL_BYTES = 8192;
const pool = Buffer.alloc(POOL_BYTES);
let offset = POOL_BYTES;

/**
 * `length` fresh bytes from node:crypto's CSPRNG, in a new buffer the caller owns. Small requests (IVs,
 * data keys) come from a pool filled by one `randomFillSync` call per 8 KiB, as Node's own `randomUUID`
 * does: each `randomBytes` call costs a trip into OpenSSL (≈ 1.4 µs here) where a pooled draw costs a
 * copy. Every byte is handed out once: its pool slot is zero-filled as it is copied out, so no data key
 * stays behind in the pool.
 */
export function randomBytesPooled(length: number): Buffer {
  if (length > POOL_BYTES / 4) return randomBytes(length);
  if (offset + length > POOL_BYTES) {
    randomFillSync(pool);
    offset = 0;
  }
  const out = Buffer.allocUnsafe(length);
  pool.copy(out, 0, offset, offset + length);
  pool.fill(0, offset, offset + length);
  offset += length;
  return out;
}
