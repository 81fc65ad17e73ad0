import { randomBytes } from 'node:crypto';
import { encrypt, RawAesKeyring, SuiteId } from '@envelope/core';
import { expect } from 'chai';
import { ChunkQueue } from '../src/stream/chunk-queue.js';
import { readerLimits, readHeader } from '../src/stream/read-header.js';

/** Counts how many times the header parser was handed the buffered bytes. */
class CountingQueue extends ChunkQueue {
  attempts = 0;
  override contiguous(): Buffer {
    this.attempts++;
    return super.contiguous();
  }
}

describe('reading a header', () => {
  const keyring = new RawAesKeyring({ keyNamespace: 'rh', keyName: 'k', wrappingKey: randomBytes(32) });

  it('parses a message that arrives in one chunk in one attempt (no truncated first read)', async () => {
    const { ciphertext } = await encrypt(Buffer.from('hello'), {
      keyring,
      suiteId: SuiteId.AES_256_GCM_HKDF_SHA512_COMMIT_KEY,
    });
    const queue = new CountingQueue([ciphertext]);
    const parsed = await readHeader(queue, readerLimits({}));
    expect(parsed.header.suite.id).to.equal(SuiteId.AES_256_GCM_HKDF_SHA512_COMMIT_KEY);
    expect(queue.attempts).to.equal(1);
  });

  it('keeps one copy of the header: raw, headerBytes and the fields survive the input being reused', async () => {
    const { ciphertext, header } = await encrypt(Buffer.from('hello'), {
      keyring,
      suiteId: SuiteId.AES_256_GCM_HKDF_SHA512_COMMIT_KEY,
      encryptionContext: { purpose: 'test' },
    });
    const input = Buffer.from(ciphertext);
    const parsed = await readHeader(new ChunkQueue([input]), readerLimits({}));
    expect(parsed.raw.equals(ciphertext.subarray(0, parsed.length))).to.equal(true);
    expect(parsed.headerBytes.equals(parsed.raw.subarray(0, parsed.length - 16))).to.equal(true);
    expect(parsed.headerTag.equals(parsed.raw.subarray(parsed.length - 16))).to.equal(true);
    input.fill(0); // a streaming reader reuses its buffers
    expect(parsed.raw.equals(ciphertext.subarray(0, parsed.length))).to.equal(true);
    expect(parsed.header.messageId.equals(header.messageId)).to.equal(true);
    expect(parsed.header.suiteData.equals(header.suiteData)).to.equal(true);
    expect(
      parsed.header.encryptedDataKeys[0]!.ciphertext.equals(header.encryptedDataKeys[0]!.ciphertext),
    ).to.equal(true);
    expect(parsed.header.encryptionContext).to.deep.equal({ purpose: 'test' });
  });

  it('reads the header of a message held in memory synchronously (no promise)', async () => {
    const { ciphertext, header } = await encrypt(Buffer.from('hello'), {
      keyring,
      suiteId: SuiteId.AES_256_GCM_HKDF_SHA512_COMMIT_KEY,
    });
    const parsed = readHeader(new ChunkQueue([ciphertext]), readerLimits({}));
    expect(parsed).not.to.be.instanceOf(Promise);
    expect(
      (parsed as Exclude<typeof parsed, Promise<unknown>>).header.messageId.equals(header.messageId),
    ).to.equal(true);
  });

  it('still waits for a header that arrives from an async source, in pieces', async () => {
    const { ciphertext, header } = await encrypt(Buffer.from('hello'), {
      keyring,
      suiteId: SuiteId.AES_256_GCM_HKDF_SHA512_COMMIT_KEY,
    });
    async function* bytes() {
      for (let at = 0; at < ciphertext.length; at += 7) yield ciphertext.subarray(at, at + 7);
    }
    const pending = readHeader(new ChunkQueue(bytes()), readerLimits({}));
    expect(pending).to.be.instanceOf(Promise);
    expect((await pending).header.messageId.equals(header.messageId)).to.equal(true);
  });

  it('still says an empty input is empty', async () => {
    const queue = new CountingQueue([]);
    let error: unknown;
    try {
      await readHeader(queue, readerLimits({}));
    } catch (e) {
      error = e;
    }
    expect((error as Error).message).to.match(/input is empty/);
  });
});

describe('chunk queue', () => {
  it('holds a lone small chunk as it is (no slab copy for a small message in memory)', async () => {
    const message = randomBytes(1300);
    const queue = new ChunkQueue([message]);
    expect(await queue.ensure(message.length)).to.equal(true);
    const taken = queue.take(message.length);
    expect(taken.equals(message)).to.equal(true);
    expect(taken.buffer).to.equal(message.buffer);
  });

  it('tells at once, with no promise, whether a synchronous source has bytes left', () => {
    const queue = new ChunkQueue([randomBytes(10)]);
    expect(queue.ensureNow(10)).to.equal(true);
    expect(queue.atEnd()).to.equal(false);
    queue.take(10);
    expect(queue.atEnd()).to.equal(true);
    expect(queue.ensureNow(1)).to.equal(false);
  });

  it('answers an async source that has not buffered the bytes with a promise', async () => {
    async function* one() {
      yield randomBytes(10);
    }
    const queue = new ChunkQueue(one());
    const more = queue.ensureNow(10);
    expect(more).to.be.instanceOf(Promise);
    expect(await more).to.equal(true);
    expect(queue.ensureNow(10)).to.equal(true); // buffered now: answered at once
    queue.take(10);
    expect(await queue.atEnd()).to.equal(true);
  });

  it('still coalesces small chunks that arrive while bytes are buffered', async () => {
    const chunks = Array.from({ length: 100 }, () => randomBytes(10));
    const queue = new ChunkQueue(chunks);
    expect(await queue.ensure(1000)).to.equal(true);
    // The first chunk as it came, the other 99 copied together into one view.
    expect(queue.takePieces(1000).length).to.equal(2);
  });
});
