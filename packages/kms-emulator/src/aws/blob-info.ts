import { parseBlob } from './ciphertext-blob.js';

/** Key id named by an emulator ciphertext blob (unauthenticated: for routing and diagnostics only). */
export function ciphertextBlobKeyId(blob: Uint8Array): { accountId: string; keyId: string } | undefined {
  const parsed = parseBlob(Buffer.from(blob));
  return parsed && { accountId: parsed.accountId, keyId: parsed.keyId };
}
