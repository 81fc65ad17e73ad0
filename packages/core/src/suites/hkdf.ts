import { createHmac } from 'node:crypto';

// RFC 5869 HKDF as its two steps, so one extract can serve several expands. node:crypto's hkdfSync
// runs both steps per call; a committing message derives two keys from the same (data key, message
// id), and one shared extract with two HMAC expands costs about a quarter of two hkdfSync calls.

const FIRST_BLOCK = Buffer.of(1);
const HASH_LENGTH: Readonly<Record<string, number>> = { sha256: 32, sha384: 48, sha512: 64 };

/** The hash's output length in bytes (HashLen in RFC 5869). */
export function hashLength(hash: string): number {
  const length = HASH_LENGTH[hash];
  if (length === undefined) throw new TypeError(`HKDF over ${hash} is not supported.`);
  return length;
}

/**
 * RFC 5869 §2.2: PRK = HMAC-Hash(salt, IKM); an empty salt means HashLen zero bytes. The PRK is as
 * secret as the input key: the caller zero-fills it when done.
 */
export function hkdfExtract(hash: string, ikm: Buffer, salt: Buffer): Buffer {
  const key = salt.length > 0 ? salt : Buffer.alloc(hashLength(hash));
  return createHmac(hash, key).update(ikm).digest();
}

/** RFC 5869 §2.3: T(i) = HMAC-Hash(PRK, T(i-1) || info || i), output the first `length` bytes. */
export function hkdfExpand(hash: string, prk: Buffer, info: Buffer, length: number): Buffer {
  const blockLength = hashLength(hash);
  if (!Number.isInteger(length) || length < 1 || length > 255 * blockLength) {
    throw new RangeError(`HKDF cannot produce ${length} bytes with ${hash}.`);
  }
  if (length <= blockLength) {
    // One block, the case of every message key: T(1) = HMAC(PRK, info || 0x01).
    const block = createHmac(hash, prk).update(info).update(FIRST_BLOCK).digest();
    if (length === blockLength) return block;
    // A view of the block, its unused tail zero-filled: zero-filling the view then clears every
    // secret byte, with no second allocation and copy.
    block.fill(0, length);
    return block.subarray(0, length);
  }
  const out = Buffer.alloc(Math.ceil(length / blockLength) * blockLength);
  let previous = Buffer.alloc(0);
  for (let i = 1; (i - 1) * blockLength < length; i++) {
    const block = createHmac(hash, prk).update(previous).update(info).update(Buffer.of(i)).digest();
    block.copy(out, (i - 1) * blockLength);
    previous.fill(0);
    previous = block;
  }
  previous.fill(0);
  if (out.length === length) return out;
  const result = Buffer.from(out.subarray(0, length));
  out.fill(0);
  return result;
}
