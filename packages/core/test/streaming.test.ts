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

  it('streams 64 MiB through encrypt and decrypt holding a bounded amount of live memory', async function () {
    this.timeout(120_000);
    const gc = global.gc;
    if (!gc) throw new Error('run with --expose-gc (packages/core/.mocharc.json sets it)');
    const MiB = 1024 * 1024;
    const total = 64 * MiB;
    // One 64 KiB chunk yielded 1024 times: the generator never holds more than one chunk.
    const chunk = randomBytes(64 * 1024);
    async function* source() {
      for (let sent = 0; sent < total; sent += chunk.length) yield chunk;
    }
    const inHash = createHash('sha256');
    for (let sent = 0; sent < total; sent += chunk.length) inHash.update(chunk);
    gc();
    const start = process.memoryUsage();
    // Live memory, measured after a full collection every 4 MiB of output: what the pipeline holds,
    // not garbage awaiting collection (which depends on the GC's schedule and the Node version).
    const live: { at: number; buffers: number; heap: number }[] = [];
    const outHash = createHash('sha256');
    let outBytes = 0;
    await pipeline(
      Readable.from(source()),
      encryptStream({ keyring, suiteId: SuiteId.AES_256_GCM_HKDF_SHA512_COMMIT_KEY_ECDSA_P384 }),
      decryptStream({ keyring }),
      async (plaintext: AsyncIterable<Buffer>) => {
        for await (const part of plaintext) {
          outHash.update(part);
          const before = outBytes;
          outBytes += part.length;
          if (Math.floor(outBytes / (4 * MiB)) > Math.floor(before / (4 * MiB))) {
            gc();
            const now = process.memoryUsage();
            live.push({
              at: outBytes,
              buffers: now.arrayBuffers - start.arrayBuffers,
              heap: now.heapUsed - start.heapUsed,
            });
          }
        }
      },
    );
    expect(outBytes).to.equal(total);
    expect(outHash.digest('hex')).to.equal(inHash.digest('hex'));
    expect(live.length).to.be.at.least(15);
    const shown = (n: number) => `${(n / MiB).toFixed(1)} MiB`;
    // Holding the message would need 64 MiB of ciphertext plus 64 MiB of plaintext; streaming holds a
    // few 64 KiB frames plus what the stream stages queue (up to 16 pieces per side), whatever the size.
    for (const sample of live) {
      expect(sample.buffers, `live buffers at ${shown(sample.at)}`).to.be.lessThan(16 * MiB);
      expect(sample.heap, `live heap at ${shown(sample.at)}`).to.be.lessThan(16 * MiB);
    }
    // And it does not grow with the bytes streamed: the floor (the least live memory among the last
    // five samples) stays within a few MiB of the first five's. Single samples spike by the frames in
    // flight at that instant (up to ~9 MiB seen); a pipeline that retained frames, or a tenth of each,
    // would raise the floor by 5 MiB or more.
    const floor = (samples: typeof live, field: 'buffers' | 'heap') =>
      Math.min(...samples.map((l) => l[field]));
    const growth = (field: 'buffers' | 'heap') =>
      floor(live.slice(-5), field) - floor(live.slice(0, 5), field);
    expect(growth('buffers'), 'live buffer growth over the message').to.be.lessThan(4 * MiB);
    expect(growth('heap'), 'live heap growth over the message').to.be.lessThan(4 * MiB);
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
  describe('through stream/promises pipeline', () => {
    const plaintext = randomBytes(20_000);
    for (const sizes of [[1], [3, 5, 7], [13, 1, 999], [4096]]) {
      it(`matches the buffer API with input chunks of ${sizes.join(', ')} bytes`, async () => {
        for (const suiteId of [
          SuiteId.AES_256_GCM_HKDF_SHA512_COMMIT_KEY,
          SuiteId.AES_256_GCM_HKDF_SHA512_COMMIT_KEY_ECDSA_P384,
        ]) {
          const ciphertext: Buffer[] = [];
          await pipeline(
            Readable.from(chunked(plaintext, sizes)),
            encryptStream({ keyring, suiteId, frameLength: 1024, encryptionContext: { via: 'pipeline' } }),
            async (source: AsyncIterable<Buffer>) => {
              for await (const part of source) ciphertext.push(part);
            },
          );
          const message = Buffer.concat(ciphertext);
          const viaBuffer = await decrypt(message, {
            keyring,
            requiredEncryptionContext: { via: 'pipeline' },
          });
          expect(viaBuffer.plaintext.equals(plaintext)).to.equal(true);

          const out: Buffer[] = [];
          await pipeline(
            Readable.from(chunked(message, sizes)),
            decryptStream({ keyring, requiredEncryptionContext: { via: 'pipeline' } }),
            async (source: AsyncIterable<Buffer>) => {
              for await (const part of source) out.push(part);
            },
          );
          expect(Buffer.concat(out).equals(plaintext)).to.equal(true);
        }
      });
    }

    it('decrypts a message from the buffer API fed one byte at a time', async () => {
      const { ciphertext } = await encrypt(plaintext.subarray(0, 3000), { keyring, frameLength: 100 });
      const out: Buffer[] = [];
      await pipeline(
        Readable.from(chunked(ciphertext, [1])),
        decryptStream({ keyring }),
        async (src: AsyncIterable<Buffer>) => {
          for await (const part of src) out.push(part);
        },
      );
      expect(Buffer.concat(out).equals(plaintext.subarray(0, 3000))).to.equal(true);
    });

    it('rejects the pipeline with a typed error when the message is damaged', async () => {
      const { ciphertext } = await encrypt(plaintext, { keyring, frameLength: 1000 });
      const forged = Buffer.from(ciphertext);
      forged[forged.length - 300]! ^= 0x40;
      const error = await pipeline(
        Readable.from(chunked(forged, [333])),
        decryptStream({ keyring }),
        async (src: AsyncIterable<Buffer>) => {
          for await (const _ of src) {
            // drain
          }
        },
      ).catch((e: unknown) => e);
      expect(error).to.be.instanceOf(DecryptionFailedError);
    });
  });

  it("decryptStream emits 'header' with the message's context and suite", async () => {
    const { ciphertext } = await encrypt('hello', {
      keyring,
      suiteId: SuiteId.AES_256_GCM_HKDF_SHA512_COMMIT_KEY,
      encryptionContext: { purpose: 'header event' },
    });
    const decryptor = decryptStream({ keyring });
    const headers: MessageHeader[] = [];
    decryptor.on('header', (h: MessageHeader) => headers.push(h));
    const plaintext = await collect(Readable.from([ciphertext]).pipe(decryptor));
    expect(plaintext.toString()).to.equal('hello');
    expect(headers).to.have.length(1);
    expect(headers[0]!.encryptionContext).to.deep.equal({ purpose: 'header event' });
    expect(headers[0]!.suite.id).to.equal(SuiteId.AES_256_GCM_HKDF_SHA512_COMMIT_KEY);
  });

  it("decryptStream with releasePlaintext 'after-message' emits no data before its input ended", async () => {
    const plaintext = randomBytes(20_000);
    const { ciphertext } = await encrypt(plaintext, {
      keyring,
      frameLength: 1000,
      suiteId: SuiteId.AES_256_GCM_HKDF_SHA512_COMMIT_KEY_ECDSA_P384,
    });
    let inputEnded = false;
    let dataBeforeEnd = 0;
    async function* slowly() {
      for (const piece of chunked(ciphertext, [700])) {
        yield piece;
        await new Promise((r) => setImmediate(r));
      }
      inputEnded = true;
    }
    const out: Buffer[] = [];
    await pipeline(
      Readable.from(slowly()),
      decryptStream({ keyring, releasePlaintext: 'after-message' }),
      async (src: AsyncIterable<Buffer>) => {
        for await (const part of src) {
          if (!inputEnded) dataBeforeEnd++;
          out.push(part);
        }
      },
    );
    expect(dataBeforeEnd).to.equal(0);
    expect(Buffer.concat(out).equals(plaintext)).to.equal(true);
  });
});
