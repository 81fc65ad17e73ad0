import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  decryptStream,
  encryptStream,
  inspectMessage,
  RawAesKeyring,
  rewrapMessage,
  SuiteId,
} from '@envelope/core';
import { expect } from 'chai';

const GiB = 1024 ** 3;

/** SHA-256 of a file from `offset` to its end, streamed. */
async function hashFrom(path: string, offset: number): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { start: offset, highWaterMark: 1024 * 1024 }))
    hash.update(chunk);
  return hash.digest('hex');
}

describe('rewrap of a 1 GiB message', function () {
  this.timeout(300_000);
  let dir: string;
  before(async () => (dir = await mkdtemp(join(tmpdir(), 'envelope-rewrap-'))));
  after(async () => rm(dir, { recursive: true, force: true }));

  it('reads the message once, in bounded memory, and writes a new message adding a region', async () => {
    const east = new RawAesKeyring({
      keyNamespace: 'dr',
      keyName: 'us-east-1',
      wrappingKey: randomBytes(32),
    });
    const west = new RawAesKeyring({
      keyNamespace: 'dr',
      keyName: 'us-west-2',
      wrappingKey: randomBytes(32),
    });
    const chunk = randomBytes(1024 * 1024);
    const plainHash = createHash('sha256');
    async function* plaintext() {
      for (let sent = 0; sent < GiB; sent += chunk.length) {
        plainHash.update(chunk);
        yield chunk;
      }
    }
    const original = join(dir, 'original.env');
    const rewrapped = join(dir, 'rewrapped.env');
    await pipeline(
      Readable.from(plaintext()),
      encryptStream({ keyring: east, suiteId: SuiteId.AES_256_GCM_HKDF_SHA512_COMMIT_KEY }),
      createWriteStream(original),
    );

    let bytesRead = 0;
    let reads = 0;
    async function* counted() {
      for await (const piece of createReadStream(original, { highWaterMark: 1024 * 1024 })) {
        bytesRead += (piece as Buffer).length;
        reads++;
        yield piece as Buffer;
      }
    }
    let peakRss = process.memoryUsage.rss();
    const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage.rss())), 20);
    const rssBefore = process.memoryUsage.rss();
    try {
      await pipeline(
        Readable.from(rewrapMessage(counted(), { keyring: east, newKeyring: west, mode: 'add' })),
        createWriteStream(rewrapped),
      );
    } finally {
      clearInterval(sampler);
    }
    const originalSize = (await stat(original)).size;
    expect(bytesRead, 'the input is read exactly once').to.equal(originalSize);
    expect(reads).to.equal(Math.ceil(originalSize / (1024 * 1024)));
    // Frames are 64 KiB and the input arrives in 1 MiB chunks: a few MiB in flight, never the message.
    expect(peakRss - rssBefore, 'memory stays bounded while 1 GiB streams through').to.be.below(
      128 * 1024 * 1024,
    );

    const before = await inspectMessage(createReadStream(original, { end: 64 * 1024 }));
    const after = await inspectMessage(createReadStream(rewrapped, { end: 64 * 1024 }));
    expect(after.header.encryptedDataKeys).to.have.length(2);
    expect(after.header.messageId.equals(before.header.messageId), 'a new message id').to.equal(false);
    expect(await hashFrom(rewrapped, after.length), 'the body is re-encrypted').not.to.equal(
      await hashFrom(original, before.length),
    );

    // The old region still decrypts it (its wrapped key was kept), and the new region alone does too.
    const expected = plainHash.digest('hex');
    for (const keyring of [east, west]) {
      const outHash = createHash('sha256');
      await pipeline(
        createReadStream(rewrapped),
        decryptStream({ keyring }),
        async (source: AsyncIterable<Buffer>) => {
          for await (const piece of source) outHash.update(piece);
        },
      );
      expect(outHash.digest('hex'), keyring.description).to.equal(expected);
    }
  });
});
