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

  it('still says an empty input is empty', async () => {
    const queue = new CountingQueue([]);
    let error: unknown;
    await readHeader(queue, readerLimits({})).catch((e: unknown) => (error = e));
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

  it('still coalesces small chunks that arrive while bytes are buffered', async () => {
    const chunks = Array.from({ length: 100 }, () => randomBytes(10));
    const queue = new ChunkQueue(chunks);
    expect(await queue.ensure(1000)).to.equal(true);
    // The first chunk as it came, the other 99 copied together into one view.
    expect(queue.takePieces(1000).length).to.equal(2);
  });
});
