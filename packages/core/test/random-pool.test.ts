import { randomBytes, randomFillSync } from 'node:crypto';
import { type EncryptionMaterials, encrypt, type Keyring, RawAesKeyring, SuiteId } from '@envelope/core';
import { expect } from 'chai';
import { RandomPool } from '../src/random-pool.js';

describe('random pool', () => {
  it('never hands out a byte twice and zero-fills every byte it handed out', () => {
    const filled: Buffer[] = [];
    const pool = new RandomPool((buffer) => {
      randomFillSync(buffer);
      filled.push(buffer);
    });
    const seen = new Set<string>();
    let sinceRefill = 0; // bytes taken from the current refill
    for (let i = 0; i < 1000; i++) {
      const refills = filled.length;
      const out = pool.take([12, 32, 32][i % 3]!);
      sinceRefill = filled.length === refills ? sinceRefill + out.length : out.length;
      const hex = out.toString('hex');
      expect(seen.has(hex)).to.equal(false);
      seen.add(hex);
    }
    // 25 333 bytes in 4 KiB refills: several refills, each filled once by the CSPRNG.
    expect(filled.length).to.be.greaterThan(5);
    // Every earlier refill is all zeros now; the current one is zero exactly where bytes were taken.
    for (const buffer of filled.slice(0, -1)) expect(buffer.every((b) => b === 0)).to.equal(true);
    const last = filled.at(-1)!;
    expect(last.subarray(0, sinceRefill).every((b) => b === 0)).to.equal(true);
    expect(last.subarray(sinceRefill).some((b) => b !== 0)).to.equal(true);
  });

  it('returns buffers the caller owns (zeroing one does not touch another)', () => {
    const pool = new RandomPool();
    const a = pool.take(32);
    const b = pool.take(32);
    const copy = Buffer.from(b);
    a.fill(0);
    expect(b.equals(copy)).to.equal(true);
  });

  it('gives every message a new message id and a new data key', async () => {
    const inner = new RawAesKeyring({ keyNamespace: 'pool', keyName: 'k', wrappingKey: randomBytes(32) });
    const dataKeys = new Set<string>();
    const capturing: Keyring = {
      description: 'capturing',
      async onEncrypt(materials: EncryptionMaterials) {
        const out = await inner.onEncrypt(materials);
        dataKeys.add(out.dataKey.toString('hex'));
        return out;
      },
      onDecrypt: (materials, edks) => inner.onDecrypt(materials, edks),
    };
    const messageIds = new Set<string>();
    const n = 3000;
    for (let i = 0; i < n; i++) {
      const { header } = await encrypt('x', {
        keyring: capturing,
        suiteId: SuiteId.AES_256_GCM_HKDF_SHA512_COMMIT_KEY,
      });
      messageIds.add(header.messageId.toString('hex'));
    }
    expect(messageIds.size).to.equal(n);
    expect(dataKeys.size).to.equal(n);
  });
});
