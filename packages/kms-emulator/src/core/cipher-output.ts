import type { Cipher, Decipher } from 'node:crypto';

/**
 * Runs all of `input` through `cipher` (update, then final) and returns the output in one buffer.
 * The pieces a plaintext passes through are zero-filled: when final() adds bytes (CBC padding, key
 * wrap), both pieces are wiped once copied; when it throws (a GCM tag that does not verify, bad
 * padding), the output so far is wiped before the error propagates, so unauthenticated plaintext
 * never leaves. When final() adds nothing (GCM, CTR), update()'s buffer is the output, with no copy.
 */
export function runCipher(cipher: Cipher | Decipher, input: Uint8Array): Buffer {
  const head = cipher.update(input);
  let tail: Buffer;
  try {
    tail = cipher.final();
  } catch (error) {
    head.fill(0);
    throw error;
  }
  if (tail.length === 0) return head;
  const out = Buffer.concat([head, tail]);
  head.fill(0);
  tail.fill(0);
  return out;
}
