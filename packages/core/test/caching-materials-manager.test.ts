import { randomBytes } from 'node:crypto';
import {
  CachingMaterialsManager,
  type DecryptionMaterials,
  decrypt,
  type EncryptedDataKey,
  type EncryptionMaterials,
  encrypt,
  InvalidArgumentError,
  type Keyring,
  RawAesKeyring,
} from '@envelope/core';
import { expect } from 'chai';

/** Counts the calls that reach the wrapped keyring, i.e. the key-management calls a cache saves. */
class CountingKeyring implements Keyring {
  readonly description = 'counting';
  encrypts = 0;
  decrypts = 0;
  constructor(private readonly inner: Keyring) {}
  async onEncrypt(materials: EncryptionMaterials) {
    this.encrypts++;
    await new Promise((r) => setTimeout(r, 5)); // a KMS round trip
    return this.inner.onEncrypt(materials);
  }
  async onDecrypt(materials: DecryptionMaterials, edks: readonly EncryptedDataKey[]) {
    this.decrypts++;
    return this.inner.onDecrypt(materials, edks);
  }
}

function setup(options: Partial<ConstructorParameters<typeof CachingMaterialsManager>[0]> = {}) {
  const keyring = new CountingKeyring(
    new RawAesKeyring({ keyNamespace: 'ns', keyName: 'k', wrappingKey: randomBytes(32) }),
  );
  let clock = 0;
  const manager = new CachingMaterialsManager({ keyring, maxAgeMs: 1000, now: () => clock, ...options });
  return { keyring, manager, advance: (ms: number) => (clock += ms) };
}

describe('caching materials manager', () => {
  it('makes one keyring call for many messages under the same context', async () => {
    const { keyring, manager } = setup();
    for (let i = 0; i < 10; i++)
      await encrypt(`message ${i}`, { materialsManager: manager, encryptionContext: { a: 'b' } });
    expect(keyring.encrypts).to.equal(1);
  });

  it('shares one data-key request among parallel encrypts on a cold cache', async () => {
    const { keyring, manager } = setup();
    const results = await Promise.all(
      Array.from({ length: 8 }, () =>
        encrypt('x', { materialsManager: manager, encryptionContext: { a: 'b' } }),
      ),
    );
    expect(keyring.encrypts).to.equal(1);
    expect(
      new Set(results.map((r) => r.header.encryptedDataKeys[0]!.ciphertext.toString('hex'))).size,
    ).to.equal(1);
  });

  it('does not share data keys across different encryption contexts', async () => {
    const { keyring, manager } = setup();
    await encrypt('x', { materialsManager: manager, encryptionContext: { a: 'b' } });
    await encrypt('x', { materialsManager: manager, encryptionContext: { a: 'c' } });
    expect(keyring.encrypts).to.equal(2);
  });

  it('expires entries after maxAgeMs', async () => {
    const { keyring, manager, advance } = setup();
    await encrypt('x', { materialsManager: manager });
    advance(1000);
    await encrypt('x', { materialsManager: manager });
    expect(keyring.encrypts).to.equal(2);
  });

  it('bounds messages and bytes per data key', async () => {
    const byMessages = setup({ maxMessagesEncrypted: 3 });
    for (let i = 0; i < 7; i++) await encrypt('x', { materialsManager: byMessages.manager });
    expect(byMessages.keyring.encrypts).to.equal(3); // 3 + 3 + 1

    const byBytes = setup({ maxBytesEncrypted: 10 });
    for (let i = 0; i < 4; i++) await encrypt('12345', { materialsManager: byBytes.manager });
    expect(byBytes.keyring.encrypts).to.equal(2); // 10 bytes per key
  });

  it('bypasses the cache when the plaintext length is unknown', async () => {
    const { keyring, manager } = setup();
    const { encryptMessage } = await import('@envelope/core');
    for (let i = 0; i < 2; i++) for await (const _ of encryptMessage(['x'], { materialsManager: manager }));
    expect(keyring.encrypts).to.equal(2);
  });

  it('caches decryption materials for the same encrypted data keys', async () => {
    const { keyring, manager } = setup();
    const { ciphertext } = await encrypt('hello', { materialsManager: manager });
    for (let i = 0; i < 3; i++) {
      const { plaintext } = await decrypt(ciphertext, { materialsManager: manager });
      expect(plaintext.toString()).to.equal('hello');
    }
    expect(keyring.decrypts).to.equal(1);
  });

  it('evicts the least recently used entry beyond capacity and zero-fills cleared keys', async () => {
    const { keyring, manager } = setup({ capacity: 2 });
    for (const v of ['a', 'b', 'c', 'a'])
      await encrypt('x', { materialsManager: manager, encryptionContext: { v } });
    expect(manager.size).to.equal(2);
    expect(keyring.encrypts).to.equal(4);
    manager.clear();
    expect(manager.size).to.equal(0);
  });

  it('rejects a missing maxAgeMs and a double source', () => {
    const keyring = new RawAesKeyring({ keyNamespace: 'ns', keyName: 'k', wrappingKey: randomBytes(32) });
    expect(() => new CachingMaterialsManager({ keyring, maxAgeMs: 0 })).to.throw(InvalidArgumentError);
    expect(
      () => new CachingMaterialsManager({ keyring, materialsManager: manager(keyring), maxAgeMs: 1 }),
    ).to.throw(InvalidArgumentError);
  });
});

function manager(keyring: Keyring) {
  return new CachingMaterialsManager({ keyring, maxAgeMs: 1 });
}
