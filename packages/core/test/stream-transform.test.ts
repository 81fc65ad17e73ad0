import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  DecryptionFailedError,
  decrypt,
  decryptStream,
  EnvelopeError,
  encrypt,
  encryptStream,
  KeyringError,
  LimitExceededError,
  RawAesKeyring,
  SuiteId,
} from '@envelope/core';
import { expect } from 'chai';
import { rejection } from './support/rejection.js';

const keyring = new RawAesKeyring({ keyNamespace: 's', keyName: 'k', wrappingKey: randomBytes(32) });
const suiteId = SuiteId.AES_256_GCM_HKDF_SHA512_COMMIT_KEY;

async function collect(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of stream) parts.push(part as Buffer);
  return Buffer.concat(parts);
}

describe('encryptStream (one thread: a Transform)', () => {
  it('encrypts an empty plaintext: the materials are fetched at the end', async () => {
    const stream = encryptStream({ keyring, suiteId });
    stream.end();
    const ciphertext = await collect(stream);
    expect((await decrypt(ciphertext, { keyring })).plaintext.length).to.equal(0);
  });

  it('takes strings and Uint8Arrays as well as Buffers', async () => {
    const stream = encryptStream({ keyring, suiteId, frameLength: 4 });
    const out = collect(stream);
    stream.write('héllo ');
    stream.write(new Uint8Array([119, 111, 114, 108, 100]));
    stream.end(Buffer.from('!'));
    expect((await decrypt(await out, { keyring })).plaintext.toString()).to.equal('héllo world!');
  });

  it('fails with LimitExceededError when given more than the declared plaintextLength', async () => {
    const stream = encryptStream({ keyring, suiteId, plaintextLength: 10 });
    const failed = pipeline(Readable.from([Buffer.alloc(6), Buffer.alloc(6)]), stream, async (s) => {
      for await (const _ of s);
    });
    const error = await rejection(failed);
    expect(error).to.be.instanceOf(LimitExceededError);
    expect((error as Error).message).to.match(/declared plaintextLength/);
  });

  it("fails with the keyring's error when no data key can be had", async () => {
    const broken = {
      onEncrypt: async () => {
        throw new KeyringError('the master key is unreachable');
      },
      onDecrypt: async () => {
        throw new KeyringError('the master key is unreachable');
      },
    };
    const stream = encryptStream({ keyring: broken as never, suiteId });
    const failed = pipeline(Readable.from([Buffer.alloc(6)]), stream, async (s) => {
      for await (const _ of s);
    });
    const error = await rejection(failed);
    expect(error).to.be.instanceOf(KeyringError);
    expect((error as Error).message).to.match(/unreachable/);
  });

  it('applies backpressure: a reader that does not read stops the writer after a few frames', async () => {
    const frameLength = 64 * 1024;
    const stream = encryptStream({ keyring, suiteId, frameLength });
    const chunk = randomBytes(frameLength);
    let written = 0;
    // Write until the stream asks us to wait; give it every chance to take more in between.
    while (stream.write(chunk)) {
      written += chunk.length;
      await new Promise((resolve) => setImmediate(resolve));
      if (written > 64 * frameLength) break;
    }
    await new Promise((resolve) => setImmediate(resolve));
    expect(written, 'bytes accepted before the writer had to wait').to.be.lessThan(4 * frameLength);
    expect(stream.readableLength, 'ciphertext queued for the reader').to.be.lessThan(4 * frameLength);
    stream.destroy();
    await once(stream, 'close');
  });

  it("makes the frames of one large chunk at the reader's pace, not all at once", async () => {
    const frameLength = 64 * 1024;
    const stream = encryptStream({ keyring, suiteId, frameLength });
    stream.write(randomBytes(64 * frameLength));
    for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
    expect(stream.readableLength, 'ciphertext made before the reader asked').to.be.lessThan(4 * frameLength);
    // And it all comes out once the reader reads.
    stream.end();
    const ciphertext = await collect(stream);
    expect((await decrypt(ciphertext, { keyring })).plaintext.length).to.equal(64 * frameLength);
  });

  it('can be destroyed while its materials are on their way, with nothing emitted', async () => {
    let release: () => void = () => {};
    const slow = new Promise<void>((resolve) => (release = resolve));
    const delayed = {
      onEncrypt: async (materials: unknown) => {
        await slow;
        return keyring.onEncrypt(materials as never);
      },
      onDecrypt: keyring.onDecrypt.bind(keyring),
    };
    const stream = encryptStream({ keyring: delayed as never, suiteId });
    const data: Buffer[] = [];
    stream.on('data', (piece: Buffer) => data.push(piece));
    stream.on('error', () => {});
    stream.write(Buffer.alloc(10));
    stream.destroy();
    release();
    await once(stream, 'close');
    await new Promise((resolve) => setImmediate(resolve));
    expect(data).to.deep.equal([]);
  });
});

describe('decryptStream (one thread: a Transform)', () => {
  it('decrypts a message written in chunks that split the header and the frames anywhere', async () => {
    const plaintext = randomBytes(1000);
    const { ciphertext } = await encrypt(plaintext, { keyring, suiteId, frameLength: 100 });
    for (const size of [1, 7, 64, 333, ciphertext.length]) {
      const chunks = [];
      for (let at = 0; at < ciphertext.length; at += size) chunks.push(ciphertext.subarray(at, at + size));
      const out = await collect(Readable.from(chunks).pipe(decryptStream({ keyring })));
      expect(out.equals(plaintext), `chunks of ${size}`).to.equal(true);
    }
  });

  it("fails with the keyring's error when the data key cannot be opened", async () => {
    const { ciphertext } = await encrypt(randomBytes(100), { keyring, suiteId });
    const other = new RawAesKeyring({ keyNamespace: 's', keyName: 'k', wrappingKey: randomBytes(32) });
    const error = await rejection(
      collect(Readable.from([ciphertext]).pipe(decryptStream({ keyring: other }))),
    );
    expect(error).to.be.instanceOf(EnvelopeError);
  });

  it('applies backpressure: a reader that does not read stops the writer after a frame or so', async () => {
    const frameLength = 64 * 1024;
    const { ciphertext } = await encrypt(randomBytes(64 * frameLength), { keyring, suiteId, frameLength });
    const stream = decryptStream({ keyring });
    stream.on('error', () => {});
    let written = 0;
    const chunk = 16 * 1024;
    while (written < ciphertext.length && stream.write(ciphertext.subarray(written, written + chunk))) {
      written += chunk;
      await new Promise((resolve) => setImmediate(resolve));
    }
    for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
    expect(stream.readableLength, 'plaintext queued for the reader').to.be.at.most(2 * frameLength);
    expect(stream.writableLength, 'ciphertext queued for the writer').to.be.at.most(2 * frameLength);
    expect(written, 'bytes accepted before the writer had to wait').to.be.lessThan(4 * frameLength);
    stream.destroy();
    await once(stream, 'close');
  });

  it('releases the frames that verified before a damaged one, then fails', async () => {
    const frameLength = 100;
    const plaintext = randomBytes(10 * frameLength);
    const { ciphertext } = await encrypt(plaintext, { keyring, suiteId, frameLength });
    const damaged = Buffer.from(ciphertext);
    damaged[damaged.length - 5 * (frameLength + 32)]! ^= 1; // inside the 6th frame from the end
    const parts: Buffer[] = [];
    const stream = Readable.from([damaged]).pipe(decryptStream({ keyring }));
    const error = await rejection(
      (async () => {
        for await (const part of stream) parts.push(part as Buffer);
      })(),
    );
    expect(error).to.be.instanceOf(DecryptionFailedError);
    const emitted = Buffer.concat(parts);
    expect(emitted.length).to.be.greaterThan(0);
    expect(emitted.equals(plaintext.subarray(0, emitted.length))).to.equal(true);
  });

  it('can be destroyed while its keys are on their way, with nothing emitted', async () => {
    const { ciphertext } = await encrypt(randomBytes(1000), { keyring, suiteId, frameLength: 100 });
    let release: () => void = () => {};
    const slow = new Promise<void>((resolve) => (release = resolve));
    const delayed = {
      onEncrypt: keyring.onEncrypt.bind(keyring),
      onDecrypt: async (materials: unknown, edks: unknown) => {
        await slow;
        return keyring.onDecrypt(materials as never, edks as never);
      },
    };
    const stream = decryptStream({ keyring: delayed as never });
    const data: Buffer[] = [];
    stream.on('data', (piece: Buffer) => data.push(piece));
    stream.on('error', () => {});
    stream.write(ciphertext);
    await new Promise((resolve) => setImmediate(resolve));
    stream.destroy();
    release();
    await once(stream, 'close');
    for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
    expect(data).to.deep.equal([]);
  });
});
