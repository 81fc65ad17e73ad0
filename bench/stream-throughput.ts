import { createCipheriv, createDecipheriv, type DecipherGCM, randomBytes } from 'node:crypto';
import { Readable, Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { DEFAULT_FRAME_LENGTH, decryptStream, encryptStream, type Keyring } from '@envelope/core';

/** `total` bytes of plaintext in 64 KiB chunks (one random chunk repeated). */
function source(total: number): Readable {
  const chunk = randomBytes(64 * 1024);
  return Readable.from(
    (function* () {
      for (let sent = 0; sent < total; sent += chunk.length) yield chunk;
    })(),
  );
}

async function drain(stream: AsyncIterable<Buffer>): Promise<number> {
  let bytes = 0;
  for await (const part of stream) bytes += part.length;
  return bytes;
}

/**
 * The raw-GCM floor for a stream: the same source and sink, one Transform that encrypts each frame
 * (IV, ciphertext and tag pushed as they come) and one that decrypts it. No header, no key derivation,
 * no framing checks: what any framed AES-GCM stream pays.
 */
function rawGcmEncryptor(key: Buffer, frameLength: number): Transform {
  let seq = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, done: TransformCallback) {
      for (let at = 0; at < chunk.length; at += frameLength) {
        const iv = Buffer.alloc(12);
        iv.writeUInt32BE(++seq, 8);
        const cipher = createCipheriv('aes-256-gcm', key, iv);
        this.push(iv);
        this.push(cipher.update(chunk.subarray(at, at + frameLength)));
        cipher.final();
        this.push(cipher.getAuthTag());
      }
      done();
    },
  });
}

/** Relies on the encryptor's pieces arriving as pushed (IV, ciphertext, tag), as they do in a pipeline. */
function rawGcmDecryptor(key: Buffer): Transform {
  let state: 'iv' | 'ciphertext' | 'tag' = 'iv';
  let decipher: DecipherGCM | undefined;
  let plaintext: Buffer | undefined;
  return new Transform({
    transform(piece: Buffer, _encoding, done: TransformCallback) {
      if (state === 'iv') {
        if (piece.length !== 12) return done(new Error('raw GCM stream lost its framing'));
        decipher = createDecipheriv('aes-256-gcm', key, piece);
        state = 'ciphertext';
      } else if (state === 'ciphertext') {
        plaintext = decipher!.update(piece);
        state = 'tag';
      } else {
        decipher!.setAuthTag(piece);
        decipher!.final();
        this.push(plaintext);
        state = 'iv';
      }
      done();
    },
  });
}

/** Milliseconds to stream `total` bytes through encryptStream → decryptStream. */
export async function envelopeStreamMs(total: number, keyring: Keyring, suiteId: number): Promise<number> {
  const start = performance.now();
  let out = 0;
  await pipeline(
    source(total),
    encryptStream({ keyring, suiteId }),
    decryptStream({ keyring }),
    async (s) => {
      out = await drain(s);
    },
  );
  if (out !== total) throw new Error(`envelope stream produced ${out} of ${total} bytes`);
  return performance.now() - start;
}

/** Milliseconds to stream `total` bytes through raw GCM encrypt → decrypt at our frame length. */
export async function rawGcmStreamMs(total: number): Promise<number> {
  const key = randomBytes(32);
  const start = performance.now();
  let out = 0;
  await pipeline(
    source(total),
    rawGcmEncryptor(key, DEFAULT_FRAME_LENGTH),
    rawGcmDecryptor(key),
    async (s) => {
      out = await drain(s);
    },
  );
  if (out !== total) throw new Error(`raw GCM stream produced ${out} of ${total} bytes`);
  return performance.now() - start;
}
