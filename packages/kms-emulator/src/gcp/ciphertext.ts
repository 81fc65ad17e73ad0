import { createCipheriv, createDecipheriv } from 'node:crypto';
import { randomBytesPooled, runCipher } from '../core/index.js';

/**
 * The emulator's Cloud KMS ciphertext: opaque to callers, authenticated, and naming the version
 * that made it (Decrypt takes the CryptoKey; the ciphertext picks the version, as in Cloud KMS).
 *
 *   magic "ENG" (3) | format 0x01 (1) | version id, uint32 BE (4) | IV (12) | ciphertext | tag (16)
 *
 * AES-256-GCM under the version's own 32-byte material. The GCM AAD binds everything the blob
 * claims: the 8 header bytes, the CryptoKey name (length-prefixed) and the caller's additional
 * authenticated data, so a blob moved to another key, relabelled to another version, or opened with
 * other AAD fails authentication.
 *
 * AES-GCM (key, IV): key = the version's material, random and unique to that version; IV = 12 fresh
 * random bytes per Encrypt, from the CSPRNG pool (`randomBytesPooled`: every pooled byte is handed out
 * once, as AWS Encrypt draws its IVs). The emulator performs far fewer than 2^32 encryptions per version, so
 * the random-IV bound of NIST SP 800-38D section 8.3 holds and no (key, IV) pair repeats.
 */
const MAGIC = Buffer.from([0x45, 0x4e, 0x47, 0x01]);
const HEADER_LENGTH = 8;
const IV_LENGTH = 12;
const TAG_LENGTH = 16;
export const CIPHERTEXT_OVERHEAD = HEADER_LENGTH + IV_LENGTH + TAG_LENGTH;

const header = (version: number): Buffer => {
  const bytes = Buffer.alloc(HEADER_LENGTH);
  MAGIC.copy(bytes);
  bytes.writeUInt32BE(version, 4);
  return bytes;
};

const gcmAad = (head: Buffer, cryptoKeyName: string, aad: Uint8Array): Buffer => {
  const name = Buffer.from(cryptoKeyName, 'utf8');
  const length = Buffer.alloc(4);
  length.writeUInt32BE(name.length);
  return Buffer.concat([head, length, name, aad]);
};

export function sealCiphertext(
  material: Buffer,
  cryptoKeyName: string,
  version: number,
  plaintext: Uint8Array,
  aad: Uint8Array,
): Buffer {
  const head = header(version);
  const iv = randomBytesPooled(IV_LENGTH);
  const cipher = createCipheriv('aes-256-gcm', material, iv);
  cipher.setAAD(gcmAad(head, cryptoKeyName, aad));
  const body = runCipher(cipher, plaintext);
  return Buffer.concat([head, iv, body, cipher.getAuthTag()]);
}

/** The version a ciphertext claims, or undefined when it is not one of ours. Not yet authenticated. */
export function ciphertextVersion(ciphertext: Uint8Array): number | undefined {
  const bytes = Buffer.from(ciphertext.buffer, ciphertext.byteOffset, ciphertext.byteLength);
  if (bytes.length < CIPHERTEXT_OVERHEAD || !bytes.subarray(0, 4).equals(MAGIC)) return undefined;
  const version = bytes.readUInt32BE(4);
  return version > 0 ? version : undefined;
}

/** The plaintext, or undefined when authentication fails (the caller answers one generic error). */
export function openCiphertext(
  material: Buffer,
  cryptoKeyName: string,
  ciphertext: Uint8Array,
  aad: Uint8Array,
): Buffer | undefined {
  const bytes = Buffer.from(ciphertext.buffer, ciphertext.byteOffset, ciphertext.byteLength);
  const head = bytes.subarray(0, HEADER_LENGTH);
  const iv = bytes.subarray(HEADER_LENGTH, HEADER_LENGTH + IV_LENGTH);
  const tag = bytes.subarray(bytes.length - TAG_LENGTH);
  try {
    const decipher = createDecipheriv('aes-256-gcm', material, iv);
    decipher.setAAD(gcmAad(Buffer.from(head), cryptoKeyName, aad));
    decipher.setAuthTag(tag);
    return runCipher(decipher, bytes.subarray(HEADER_LENGTH + IV_LENGTH, bytes.length - TAG_LENGTH));
  } catch {
    return undefined;
  }
}
