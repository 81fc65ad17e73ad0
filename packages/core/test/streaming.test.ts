import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  DecryptionFailedError,
  decrypt,
  decryptMessage,
  decryptStream,
  encrypt,
  encryptMessage,
  encryptStream,
  type MessageHeader,
  RawAesKeyring,
  SuiteId,
} from '@envelope/core';
import { expect } from 'chai';

const keyring = new RawAesKeyring({ keyNamespace: 's', keyName: 'k', wrappingKey: randomBytes(32) });

function chunked(data: Buffer, sizes: number[]): Buffer[] {
  const out: Buffer[] = [];
  for (let at = 0, i = 0; at < data.length; i++) {
    const n = sizes[i % sizes.length]!;
    out.push(data.subarray(at, at + n));
    at += n;
  }
  return out;
}

async function collect(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of stream) parts.push(part as Buffer);
  return Buffer.concat(parts);
}

describe('streaming', () => {
  it('gives the same plaintext through streams of odd-sized chunks as through buffers', async () => {
    const plaintext = randomBytes(50_000);
    for (const sizes of [[1], [7, 1, 4096], [65_537]]) {
      const ciphertext = await collect(
        Readable.from(chunked(plaintext, sizes)).pipe(encryptStream({ keyring, frameLength: 1000 })),
      );
      expect((await decrypt(ciphertext, { keyring })).plaintext.equals(plaintext)).to.equal(true);
      const back = await collect(Readable.from(chunked(ciphertext, sizes)).pipe(decryptStream({ keyring })));
      expect(back.equals(plaintext)).to.equal(true);
    }
  });

  it("emits 'header' before the first byte, on both sides", async () => {
    const order: string[] = [];
    const encryptor = encryptStream({ keyring, encryptionContext: { x: 'y' } });
    encryptor.on('header', (h: MessageHeader) => order.push(`encrypt header ${h.encryptionContext.x}`));
    encryptor.once('data', () => order.push('ciphertext'));
    const ciphertext = await collect(Readable.from([Buffer.from('hello')]).pipe(encryptor));
    const decryptor = decryptStream({ keyring });
    decryptor.on('header', () => order.push('decrypt header'));
    decryptor.once('data', () => order.push('plaintext'));
    await collect(Readable.from([ciphertext]).pipe(decryptor));
    expect(order).to.deep.equal(['encrypt header y', 'ciphertext', 'decrypt header', 'plaintext']);
  });

  it("with releasePlaintext 'after-message', releases nothing until the signature verified", async () => {
    const plaintext = randomBytes(10_000);
    const { ciphertext } = await encrypt(plaintext, { keyring, frameLength: 1000 });
    let inputDone = false;
    let firstDataWhileInputOpen = false;
    async function* slowly() {
      for (const piece of chunked(ciphertext, [500])) {
        yield piece;
        await new Promise((r) => setImmediate(r));
      }
      inputDone = true;
    }
    const parts: Buffer[] = [];
    for await (const part of decryptMessage(slowly(), { keyring, releasePlaintext: 'after-message' })) {
      if (!inputDone) firstDataWhileInputOpen = true;
      parts.push(part);
    }
    expect(firstDataWhileInputOpen).to.equal(false);
    expect(Buffer.concat(parts).equals(plaintext)).to.equal(true);

    const forged = Buffer.from(ciphertext);
    forged[forged.length - 1]! ^= 1;
    const emitted: Buffer[] = [];
    const error = await (async () => {
      for await (const part of decryptMessage([forged], { keyring, releasePlaintext: 'after-message' }))
        emitted.push(part);
    })().catch((e: Error) => e);
    expect(error).to.be.instanceOf(DecryptionFailedError);
    expect(emitted).to.have.length(0);
  });

  it('streams 64 MiB through encrypt and decrypt with bounded memory', async function () {
    this.timeout(120_000);
    const total = 64 * 1024 * 1024;
    const chunk = randomBytes(64 * 1024);
    async function* source() {
      for (let sent = 0; sent < total; sent += chunk.length) yield chunk;
    }
    const inHash = createHash('sha256');
    for (let sent = 0; sent < total; sent += chunk.length) inHash.update(chunk);
    global.gc?.();
    const before = process.memoryUsage().rss;
    let peak = before;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
    const outHash = createHash('sha256');
    try {
      await pipeline(
        Readable.from(source()),
        encryptStream({ keyring, suiteId: SuiteId.AES_256_GCM_HKDF_SHA512_COMMIT_KEY_ECDSA_P384 }),
        decryptStream({ keyring }),
        async (plaintext: AsyncIterable<Buffer>) => {
          for await (const part of plaintext) outHash.update(part);
        },
      );
    } finally {
      clearInterval(sampler);
    }
    expect(outHash.digest('hex')).to.equal(inHash.digest('hex'));
    // The whole message is 64 MiB; streaming must hold only a few frames at a time.
    expect(peak - before).to.be.lessThan(48 * 1024 * 1024);
  });

  it('encrypts from an async generator without a declared length', async () => {
    async function* words() {
      yield 'hello, ';
      yield Buffer.from('world');
    }
    const parts: Buffer[] = [];
    for await (const part of encryptMessage(words(), { keyring })) parts.push(part);
    expect((await decrypt(Buffer.concat(parts), { keyring })).plaintext.toString()).to.equal('hello, world');
  });
});
