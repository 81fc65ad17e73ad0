import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import {
  buildClient,
  CommitmentPolicy,
  RawAesKeyringNode,
  RawAesWrappingSuiteIdentifier,
} from '@aws-crypto/client-node';

/**
 * Raw AES-256-GCM from node:crypto at a given frame length: one cipher per frame, a 12-byte IV and
 * a 16-byte tag per frame, output gathered into one buffer — the floor any framed format pays.
 */
export function rawGcm(frameLength: number) {
  const key = randomBytes(32);
  const aad = randomBytes(32 + 28 + 12);
  return {
    encrypt(plaintext: Buffer): Buffer {
      const parts: Buffer[] = [];
      for (let at = 0, seq = 1; at < plaintext.length || seq === 1; at += frameLength, seq++) {
        const iv = Buffer.alloc(12);
        iv.writeUInt32BE(seq, 8);
        const cipher = createCipheriv('aes-256-gcm', key, iv);
        cipher.setAAD(aad);
        parts.push(
          iv,
          cipher.update(plaintext.subarray(at, at + frameLength)),
          cipher.final(),
          cipher.getAuthTag(),
        );
      }
      return Buffer.concat(parts);
    },
    decrypt(ciphertext: Buffer): Buffer {
      const parts: Buffer[] = [];
      for (let at = 0; at < ciphertext.length; ) {
        const iv = ciphertext.subarray(at, at + 12);
        const end = Math.min(at + 12 + frameLength, ciphertext.length - 16);
        const decipher = createDecipheriv('aes-256-gcm', key, iv);
        decipher.setAAD(aad);
        decipher.setAuthTag(ciphertext.subarray(end, end + 16));
        parts.push(decipher.update(ciphertext.subarray(at + 12, end)), decipher.final());
        at = end + 16;
      }
      return Buffer.concat(parts);
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
