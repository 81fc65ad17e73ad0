import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { encryptFile, RawAesKeyring, SuiteId } from '@envelope/core';
import { expect } from 'chai';
import { messageSuite } from '../src/io/message-suite.js';
import { PARALLEL_FROM_BYTES, type ParallelTarget, parallelFor } from '../src/io/parallel-choice.js';

const cpus = availableParallelism();

/** A target of `bytes` in the file mode whose message is unsigned or not; counts its header reads. */
function target(bytes: number, unsigned: boolean) {
  const asked = { count: 0 };
  const t: ParallelTarget = {
    bytes,
    unsigned: async () => {
      asked.count++;
      return unsigned;
    },
  };
  return { t, asked };
}

describe('--threads: which inputs get worker threads (parallelFor)', () => {
  it('auto, the default: one worker per CPU only for an unsigned file-mode input of 512 MiB or more', async () => {
    const big = target(PARALLEL_FROM_BYTES, true);
    expect(await parallelFor({}, big.t)).to.deep.equal(cpus > 1 ? { workers: cpus } : false);
    expect(await parallelFor({ threads: ' auto ' }, big.t)).to.deep.equal(
      cpus > 1 ? { workers: cpus } : false,
    );
    // one byte less, a signed message, a command that streams (no file mode, or rewrap): one thread
    const below = target(PARALLEL_FROM_BYTES - 1, true);
    expect(await parallelFor({}, below.t)).to.equal(false);
    expect(below.asked.count, 'no header read below the size').to.equal(0);
    expect(await parallelFor({}, target(PARALLEL_FROM_BYTES, false).t)).to.equal(false);
    expect(await parallelFor({}, undefined)).to.equal(false);
  });

  it('takes a number of threads and --no-parallel whatever the input', async () => {
    expect(await parallelFor({ threads: '3' }, undefined)).to.deep.equal({ workers: 3 });
    expect(await parallelFor({ threads: '2' }, target(1, false).t)).to.deep.equal({ workers: 2 });
    expect(await parallelFor({ threads: '0' }, target(PARALLEL_FROM_BYTES, true).t)).to.equal(false);
    const big = target(PARALLEL_FROM_BYTES, true);
    expect(await parallelFor({ threads: '4', parallel: false }, big.t)).to.equal(false);
    expect(await parallelFor({ parallel: false }, big.t)).to.equal(false);
  });

  it('refuses anything else as a usage error', async () => {
    for (const bad of ['-1', 'many', '1.5', '257', '']) {
      const error = await parallelFor({ threads: bad }, undefined).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error, JSON.stringify(bad)).to.be.instanceOf(Error);
      expect((error as Error).message).to.match(/--threads must be auto or a whole number from 0 to 256/);
    }
  });
});

describe("a message file's suite, read from its header without a key (messageSuite)", () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'envelope-suite-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('names the suite of a signed and of an unsigned message, and nothing for a file that is no message', async () => {
    const keyring = new RawAesKeyring({ keyNamespace: 'n', keyName: 'k', wrappingKey: randomBytes(32) });
    await writeFile(join(dir, 'plain'), randomBytes(200_000));
    for (const suiteId of [
      SuiteId.AES_256_GCM_HKDF_SHA512_COMMIT_KEY,
      SuiteId.AES_256_GCM_HKDF_SHA512_COMMIT_KEY_ECDSA_P384,
    ]) {
      const path = join(dir, `m-${suiteId}`);
      await encryptFile(join(dir, 'plain'), path, { keyring, suiteId });
      const suite = await messageSuite(path);
      expect(suite?.id).to.equal(suiteId);
      expect(suite?.signature === undefined).to.equal(suiteId === SuiteId.AES_256_GCM_HKDF_SHA512_COMMIT_KEY);
    }
    await writeFile(join(dir, 'garbage'), randomBytes(1000));
    expect(await messageSuite(join(dir, 'garbage'))).to.equal(undefined);
    await writeFile(join(dir, 'empty'), '');
    expect(await messageSuite(join(dir, 'empty'))).to.equal(undefined);
    expect(await messageSuite(join(dir, 'missing'))).to.equal(undefined);
  });
});
