import { randomBytes } from 'node:crypto';
import {
  CachingMaterialsManager,
  decrypt,
  type EncryptionMaterials,
  encrypt,
  encryptStream,
  InvalidArgumentError,
  type Keyring,
  KeyringError,
  MultiKeyring,
  RawAesKeyring,
  TooFewWrapsError,
} from '@envelope/core';
import { expect } from 'chai';

const aes = (name: string) =>
  new RawAesKeyring({ keyNamespace: 'dr', keyName: name, wrappingKey: randomBytes(32) });

/** A master key whose region is down: wrapping fails like a KMS call that cannot connect. */
class DownKeyring implements Keyring {
  calls = 0;
  constructor(
    readonly inner: Keyring,
    public down = true,
  ) {}
  get description() {
    return this.inner.description;
  }
  async onEncrypt(m: EncryptionMaterials) {
    this.calls++;
    if (this.down) throw new KeyringError(`${this.description}: connect ECONNREFUSED 10.0.0.1:443`);
    return this.inner.onEncrypt(m);
  }
  onDecrypt(...args: Parameters<Keyring['onDecrypt']>) {
    return this.inner.onDecrypt(...args);
  }
}

describe('multi-keyring: writing during an outage', () => {
  it('by default still requires every wrap: one key down fails the encrypt', async () => {
    const keyring = new MultiKeyring({
      generator: aes('a'),
      children: [new DownKeyring(aes('b')), aes('c')],
    });
    const error = await encrypt('x', { keyring }).catch((e: Error) => e);
    expect(error).to.be.instanceOf(KeyringError).and.not.instanceOf(TooFewWrapsError);
    expect((error as Error).message).to.match(/ECONNREFUSED/);
  });

  it('with minimumWraps 2 of 3, writes with one key down, records it, and each wrapped key decrypts alone', async () => {
    const [a, b, c] = [aes('a'), aes('b'), aes('c')];
    const down = new DownKeyring(b);
    const keyring = new MultiKeyring({ generator: a, children: [down, c], minimumWraps: 2 });
    const { ciphertext, header, skippedMasterKeys } = await encrypt('during the outage', { keyring });
    expect(header.encryptedDataKeys.map((e) => e.providerInfo.subarray(0, 1).toString())).to.deep.equal([
      'a',
      'c',
    ]);
    expect(skippedMasterKeys).to.deep.equal([
      {
        keyring: b.description,
        code: 'ENVELOPE_KEYRING_FAILED',
        reason: `${b.description}: connect ECONNREFUSED 10.0.0.1:443`,
      },
    ]);
    for (const alone of [a, c]) {
      expect((await decrypt(ciphertext, { keyring: alone })).plaintext.toString()).to.equal(
        'during the outage',
      );
    }
    expect(await decrypt(ciphertext, { keyring: b }).catch((e: Error) => e)).to.be.instanceOf(Error);
  });

  it('fails with a typed error naming each failed key and its cause when fewer than N wrapped', async () => {
    const b = new DownKeyring(aes('b'));
    const c = new DownKeyring(aes('c'));
    const keyring = new MultiKeyring({ generator: aes('a'), children: [b, c], minimumWraps: 2 });
    const error = (await encrypt('x', { keyring }).catch((e: Error) => e)) as TooFewWrapsError;
    expect(error).to.be.instanceOf(TooFewWrapsError).and.instanceOf(KeyringError);
    expect(error.code).to.equal('ENVELOPE_TOO_FEW_WRAPS');
    expect([error.wrapped, error.required]).to.deep.equal([1, 2]);
    expect(error.failures.map((f) => f.keyring)).to.deep.equal([b.description, c.description]);
    expect(error.message).to.include(`${b.description}: ${b.description}: connect ECONNREFUSED`);
    expect(error.message).to.include(`${c.description}: ${c.description}: connect ECONNREFUSED`);
  });

  it('when the generator is down, generates the data key locally and the children wrap it', async () => {
    const gen = new DownKeyring(aes('g'));
    const [b, c] = [aes('b'), aes('c')];
    const keyring = new MultiKeyring({ generator: gen, children: [b, c], minimumWraps: 2 });
    const { ciphertext, skippedMasterKeys } = await encrypt('generator down', { keyring });
    expect(skippedMasterKeys.map((s) => s.keyring)).to.deep.equal([gen.description]);
    for (const alone of [b, c]) {
      expect((await decrypt(ciphertext, { keyring: alone })).plaintext.toString()).to.equal('generator down');
    }
  });

  it('reports skipped keys on the stream header event and through a caching materials manager', async () => {
    const down = new DownKeyring(aes('b'));
    const keyring = new MultiKeyring({ generator: aes('a'), children: [down], minimumWraps: 1 });
    const stream = encryptStream({ keyring });
    const details = new Promise<unknown>((resolve) => stream.on('header', (_h, d) => resolve(d)));
    stream.end('x');
    stream.resume();
    expect(((await details) as { skippedMasterKeys: unknown[] }).skippedMasterKeys).to.have.length(1);

    const cmm = new CachingMaterialsManager({ keyring, maxAgeMs: 60_000 });
    await encrypt('one', { materialsManager: cmm });
    const second = await encrypt('two', { materialsManager: cmm });
    expect(down.calls).to.equal(2); // stream + first cached encrypt; the second came from the cache
    expect(second.skippedMasterKeys.map((s) => s.keyring)).to.deep.equal([down.description]);
  });

  it('reports nothing skipped when every key wrapped', async () => {
    const keyring = new MultiKeyring({ generator: aes('a'), children: [aes('b')], minimumWraps: 1 });
    expect((await encrypt('x', { keyring })).skippedMasterKeys).to.deep.equal([]);
  });

  it('rejects a minimumWraps that is not a whole number of at least 1', () => {
    for (const minimumWraps of [0, -1, 1.5, Number.NaN]) {
      expect(() => new MultiKeyring({ generator: aes('a'), minimumWraps }), String(minimumWraps)).to.throw(
        InvalidArgumentError,
        /minimumWraps/,
      );
    }
  });
});
