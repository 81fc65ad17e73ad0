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

  it('reads the message once and writes the body unchanged, adding a region', async () => {
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
    await pipeline(
      Readable.from(rewrapMessage(counted(), { keyring: east, newKeyring: west, keep: () => true })),
      createWriteStream(rewrapped),
    );
    const originalSize = (await stat(original)).size;
    expect(bytesRead, 'the input is read exactly once').to.equal(originalSize);
    expect(reads).to.equal(Math.ceil(originalSize / (1024 * 1024)));

    const before = await inspectMessage(createReadStream(original, { end: 64 * 1024 }));
    const after = await inspectMessage(createReadStream(rewrapped, { end: 64 * 1024 }));
    expect(after.header.encryptedDataKeys).to.have.length(2);
    expect(after.header.messageId.equals(before.header.messageId)).to.equal(true);
    expect(await hashFrom(rewrapped, after.length), 'body bytes are identical').to.equal(
      await hashFrom(original, before.length),
    );

    // And the new region alone decrypts it.
    const outHash = createHash('sha256');
    await pipeline(
      createReadStream(rewrapped),
      decryptStream({ keyring: west }),
      async (source: AsyncIterable<Buffer>) => {
        for await (const piece of source) outHash.update(piece);
      },
    );
    expect(outHash.digest('hex')).to.equal(plainHash.digest('hex'));
  });
});
