import { execFile } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import {
  CachingMaterialsManager,
  type DecryptionMaterials,
  decrypt,
  type EncryptionMaterials,
  encrypt,
  getSuite,
  type Keyring,
  KeyringError,
  MultiKeyring,
  SuiteId,
} from '@envelope/core';
import { expect } from 'chai';
import { buffersCreatedDuring, copiesOf, isZero, KeyWatchingKeyring } from './support/key-copies.js';

const suite = getSuite(SuiteId.AES_256_GCM_HKDF_SHA512_COMMIT_KEY);

/** A child keyring whose region is down: it sees the data key, then fails. */
class FailingChild implements Keyring {
  readonly description = 'failing-child';
  seen: Buffer | undefined;
  async onEncrypt(materials: EncryptionMaterials): Promise<EncryptionMaterials> {
    this.seen = materials.dataKey;
    throw new KeyringError('the region is down');
  }
  async onDecrypt(materials: DecryptionMaterials): Promise<DecryptionMaterials> {
    return materials;
  }
}

/** Caches one encrypt entry and returns every copy of its data key made while doing so. */
async function cacheOneEncryptEntry(manager: CachingMaterialsManager, watch: KeyWatchingKeyring, v = 'a') {
  const { buffers } = await buffersCreatedDuring(async () => {
    const materials = await manager.getEncryptionMaterials({
      suite,
      encryptionContext: { v },
      plaintextLength: 1,
    });
    materials.zeroize(); // what encrypt does with its per-message copy
  });
  const copies = copiesOf(watch.values.at(-1)!, buffers);
  // The cache's own copy is the one still readable.
  expect(copies.filter((copy) => !isZero(copy))).to.have.length(1);
  return copies;
}

describe('plaintext data keys are zero-filled', () => {
  it("zeroes the generator's data key when a child keyring fails during encrypt", async () => {
    const generator = new KeyWatchingKeyring();
    const child = new FailingChild();
    const keyring = new MultiKeyring({ generator, children: [child] });
    const error = await encrypt('secret', { keyring, suiteId: suite.id }).then(
      () => expect.fail('encrypt should fail'),
      (e: unknown) => e,
    );
    expect(error).to.be.instanceOf(KeyringError);
    // The child saw the very buffer the generator's key was set in: the materials' only copy.
    expect(child.seen).to.equal(generator.views[0]);
    expect(isZero(generator.views[0]!)).to.equal(true);
  });

  describe('by the caching materials manager', () => {
    it('at expiry, without the entry being touched again', async () => {
      const watch = new KeyWatchingKeyring();
      const manager = new CachingMaterialsManager({ keyring: watch, maxAgeMs: 40 });
      const copies = await cacheOneEncryptEntry(manager, watch);
      await sleep(150);
      expect(copies.every(isZero)).to.equal(true);
      expect(manager.size).to.equal(0);
    });

    it('at expiry of a decrypt entry', async () => {
      const watch = new KeyWatchingKeyring();
      const { ciphertext } = await encrypt('hello', { keyring: watch, suiteId: suite.id });
      const manager = new CachingMaterialsManager({ keyring: watch, maxAgeMs: 40 });
      const { buffers } = await buffersCreatedDuring(() =>
        decrypt(ciphertext, { materialsManager: manager }),
      );
      const copies = copiesOf(watch.values.at(-1)!, buffers);
      expect(copies.filter((copy) => !isZero(copy))).to.have.length(1);
      await sleep(150);
      expect(copies.every(isZero)).to.equal(true);
      expect(manager.size).to.equal(0);
    });

    it('when evicted for capacity, and when cleared', async () => {
      const watch = new KeyWatchingKeyring();
      const manager = new CachingMaterialsManager({ keyring: watch, maxAgeMs: 60_000, capacity: 1 });
      const first = await cacheOneEncryptEntry(manager, watch, 'a');
      const second = await cacheOneEncryptEntry(manager, watch, 'b');
      expect(first.every(isZero)).to.equal(true);
      expect(second.every(isZero)).to.equal(false);
      manager.clear();
      expect(second.every(isZero)).to.equal(true);
    });

    it('ages entries by the injected clock, and past the longest timer delay', async () => {
      const watch = new KeyWatchingKeyring();
      const frozen = new CachingMaterialsManager({ keyring: watch, maxAgeMs: 20, now: () => 0 });
      const long = new CachingMaterialsManager({ keyring: watch, maxAgeMs: Number.MAX_SAFE_INTEGER });
      const kept = [
        ...(await cacheOneEncryptEntry(frozen, watch)),
        ...(await cacheOneEncryptEntry(long, watch)),
      ];
      await sleep(100);
      expect(kept.some(isZero)).to.equal(false);
      expect([frozen.size, long.size]).to.deep.equal([1, 1]);
      frozen.clear();
      long.clear();
    });

    it('with expiry timers that do not keep the process alive', async () => {
      const script = `
        import { CachingMaterialsManager, RawAesKeyring, encrypt } from '@envelope/core';
        const keyring = new RawAesKeyring({ keyNamespace: 'n', keyName: 'k', wrappingKey: new Uint8Array(32) });
        const manager = new CachingMaterialsManager({ keyring, maxAgeMs: 3_600_000 });
        await encrypt('x', { materialsManager: manager });
        if (manager.size !== 1) process.exit(3);`;
      const started = Date.now();
      const code = await new Promise<number>((resolve) => {
        execFile(
          process.execPath,
          ['--import', 'tsx', '--conditions=@envelope/source', '--input-type=module', '-e', script],
          { cwd: fileURLToPath(new URL('..', import.meta.url)), timeout: 30_000 },
          (error) => resolve(error ? Number(error.code ?? 1) : 0),
        );
      });
      expect(code).to.equal(0);
      expect(Date.now() - started).to.be.lessThan(30_000);
    });
  });
});
