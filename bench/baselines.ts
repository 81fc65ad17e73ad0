import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import {
  buildClient,
  CommitmentPolicy,
  RawAesKeyringNode,
  RawAesWrappingSuiteIdentifier,
} from '@aws-crypto/client-node';

/**
 * Raw AES-256-GCM from node:crypto at a given frame length: one cipher per frame, a 12-byte IV and
 * a 16-byte tag per frame — the floor any framed format pays. node:crypto cannot encrypt into a
 * given buffer, so each frame's output is copied into one output allocated up front while it is
 * still in cache: measured 5–15 % cheaper at 64 MiB than gathering the pieces and concatenating.
 */
export function rawGcm(frameLength: number) {
  const key = randomBytes(32);
  const aad = randomBytes(32 + 28 + 12);
  const overhead = 12 + 16;
  return {
    encrypt(plaintext: Buffer): Buffer {
      const frames = Math.max(1, Math.ceil(plaintext.length / frameLength));
      const out = Buffer.allocUnsafe(plaintext.length + frames * overhead);
      let written = 0;
      for (let at = 0, seq = 1; seq <= frames; at += frameLength, seq++) {
        const iv = out.subarray(written, written + 12).fill(0);
        iv.writeUInt32BE(seq, 8);
        written += 12;
        const cipher = createCipheriv('aes-256-gcm', key, iv);
        cipher.setAAD(aad);
        written += cipher.update(plaintext.subarray(at, at + frameLength)).copy(out, written);
        written += cipher.final().copy(out, written);
        written += cipher.getAuthTag().copy(out, written);
      }
      return out;
    },
    decrypt(ciphertext: Buffer): Buffer {
      const frames = Math.max(1, Math.ceil(ciphertext.length / (frameLength + overhead)));
      const out = Buffer.allocUnsafe(ciphertext.length - frames * overhead);
      let written = 0;
      for (let at = 0; at < ciphertext.length; ) {
        const iv = ciphertext.subarray(at, at + 12);
        const end = Math.min(at + 12 + frameLength, ciphertext.length - 16);
        const decipher = createDecipheriv('aes-256-gcm', key, iv);
        decipher.setAAD(aad);
        decipher.setAuthTag(ciphertext.subarray(end, end + 16));
        written += decipher.update(ciphertext.subarray(at + 12, end)).copy(out, written);
        written += decipher.final().copy(out, written);
        at = end + 16;
      }
      return out;
    },
  };
}

/** The AWS Encryption SDK for JavaScript with its defaults (frame length 4096) and a raw AES keyring. */
export function awsEncryptionSdk(wrappingKey: Buffer, suiteId: number) {
  const client = buildClient(CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT);
  // Their keyring zero-fills the key it is given: hand it a copy.
  const keyring = () =>
    new RawAesKeyringNode({
      keyNamespace: 'bench',
      keyName: 'k',
      unencryptedMasterKey: new Uint8Array(wrappingKey),
      wrappingSuite: RawAesWrappingSuiteIdentifier.AES256_GCM_IV12_TAG16_NO_PADDING,
    });
  const ring = keyring();
  return {
    encrypt: async (plaintext: Buffer) =>
      Buffer.from((await client.encrypt(ring, plaintext, { suiteId: suiteId as never })).result),
    decrypt: async (ciphertext: Buffer) => Buffer.from((await client.decrypt(ring, ciphertext)).plaintext),
  };
}

/**
 * Raw AES-256-GCM frames (as {@link rawGcm}) with SHA-384 over every ciphertext byte: the floor of a
 * signed suite, whose signer or verifier hashes the whole message (the ECDSA sign or verify of the
 * digest itself is per message, not per byte).
 */
export function rawGcmSha384(frameLength: number) {
  const gcm = rawGcm(frameLength);
  return {
    encrypt(plaintext: Buffer): Buffer {
      const ciphertext = gcm.encrypt(plaintext);
      createHash('sha384').update(ciphertext).digest();
      return ciphertext;
    },
    decrypt(ciphertext: Buffer): Buffer {
      createHash('sha384').update(ciphertext).digest();
      return gcm.decrypt(ciphertext);
    },
  };
}
