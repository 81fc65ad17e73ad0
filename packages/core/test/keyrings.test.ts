import { generateKeyPairSync, randomBytes } from 'node:crypto';
import {
  type DecryptionMaterials,
  decrypt,
  type EncryptedDataKey,
  type EncryptionMaterials,
  EnvelopeError,
  encrypt,
  encryptMessage,
  InvalidArgumentError,
  type Keyring,
  KeyringError,
  MultiKeyring,
  masterKeyName,
  NoDataKeyError,
  NotSupportedError,
  RawAesKeyring,
  RawRsaKeyring,
} from '@envelope/core';
import { expect } from 'chai';

const aes = (name: string) =>
  new RawAesKeyring({ keyNamespace: 'k', keyName: name, wrappingKey: randomBytes(32) });

class FailingKeyring implements Keyring {
  constructor(readonly description: string) {}
  async onEncrypt(m: EncryptionMaterials) {
    return m;
  }
  async onDecrypt(): Promise<DecryptionMaterials> {
    throw new KeyringError(`${this.description} is unreachable`);
  }
}

describe('keyrings', () => {
  describe('raw AES', () => {
    it('accepts 128-, 192- and 256-bit wrapping keys and refuses other sizes', () => {
      for (const n of [16, 24, 32])
        new RawAesKeyring({ keyNamespace: 'n', keyName: 'k', wrappingKey: randomBytes(n) });
      for (const n of [0, 15, 31, 33, 64]) {
        expect(
          () => new RawAesKeyring({ keyNamespace: 'n', keyName: 'k', wrappingKey: randomBytes(n) }),
        ).to.throw(InvalidArgumentError);
      }
    });

    it('refuses the aws-kms namespace', () => {
      expect(
        () => new RawAesKeyring({ keyNamespace: 'aws-kms', keyName: 'k', wrappingKey: randomBytes(32) }),
      ).to.throw(InvalidArgumentError, /reserved/);
    });

    it('fails with NoDataKeyError naming the keys when given the wrong key', async () => {
      const { ciphertext } = await encrypt('x', { keyring: aes('right') });
      const error = (await decrypt(ciphertext, { keyring: aes('other') }).catch((e: Error) => e)) as Error;
      expect(error).to.be.instanceOf(NoDataKeyError);
      expect(error.message).to.match(/k:right/);
    });

    it('fails with a KeyringError when the key name matches but the key does not', async () => {
      const { ciphertext } = await encrypt('x', { keyring: aes('same') });
      const error = await decrypt(ciphertext, { keyring: aes('same') }).catch((e: Error) => e);
      expect(error).to.be.instanceOf(KeyringError);
    });
  });

  describe('raw RSA', () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });

    it('encrypts with only a public key and decrypts with the private key', async () => {
      const { ciphertext } = await encrypt('x', {
        keyring: new RawRsaKeyring({ keyNamespace: 'n', keyName: 'r', publicKey, padding: 'oaep-sha256' }),
      });
      const keyring = new RawRsaKeyring({
        keyNamespace: 'n',
        keyName: 'r',
        privateKey,
        padding: 'oaep-sha256',
      });
      expect((await decrypt(ciphertext, { keyring })).plaintext.toString()).to.equal('x');
    });

    // Node 20 refuses PKCS#1 v1.5 private decryption (Marvin mitigation); Node 22+ allows it again.
    const pkcs1Decrypts = Number(process.versions.node.split('.')[0]) >= 22;
    it(`encrypts with PKCS#1 v1.5 and ${pkcs1Decrypts ? 'decrypts it (Node >= 22)' : 'reports decryption as not supported (Node 20)'}`, async () => {
      const keyring = new RawRsaKeyring({ keyNamespace: 'n', keyName: 'r', privateKey, padding: 'pkcs1' });
      const { ciphertext } = await encrypt('x', { keyring });
      if (pkcs1Decrypts) {
        expect((await decrypt(ciphertext, { keyring })).plaintext.toString()).to.equal('x');
        return;
      }
      const error = (await decrypt(ciphertext, { keyring }).catch((e: Error) => e)) as Error;
      expect(error).to.be.instanceOf(NotSupportedError);
      expect(error.message).to.match(/OAEP/);
    });
  });

  describe('multi-keyring', () => {
    it('wraps one data key under the generator and every child', async () => {
      const [a, b, c] = [aes('a'), aes('b'), aes('c')];
      const { ciphertext, header } = await encrypt('x', {
        keyring: new MultiKeyring({ generator: a, children: [b, c] }),
      });
      expect(header.encryptedDataKeys).to.have.length(3);
      for (const k of [a, b, c])
        expect((await decrypt(ciphertext, { keyring: k })).plaintext.toString()).to.equal('x');
    });

    it('falls over past failing keyrings to one that works', async () => {
      const good = aes('good');
      const { ciphertext } = await encrypt('x', { keyring: good });
      const keyring = new MultiKeyring({
        children: [new FailingKeyring('region-1'), new FailingKeyring('region-2'), good],
      });
      expect((await decrypt(ciphertext, { keyring })).plaintext.toString()).to.equal('x');
    });

    it('lists every failure when no keyring can decrypt', async () => {
      const { ciphertext } = await encrypt('x', { keyring: aes('gone') });
      const keyring = new MultiKeyring({
        children: [new FailingKeyring('region-1'), new FailingKeyring('region-2')],
      });
      const error = (await decrypt(ciphertext, { keyring }).catch((e: Error) => e)) as NoDataKeyError;
      expect(error).to.be.instanceOf(NoDataKeyError);
      expect(error.failures.map((f) => f.keyring)).to.deep.equal(['region-1', 'region-2']);
      expect(error.message).to.match(/region-1 is unreachable[\s\S]*region-2 is unreachable/);
    });

    it('needs a generator to encrypt', async () => {
      const error = await encrypt('x', { keyring: new MultiKeyring({ children: [aes('a')] }) }).catch(
        (e: Error) => e,
      );
      expect(error).to.be.instanceOf(InvalidArgumentError);
    });
  });

  describe('materials', () => {
    it('never lets a keyring replace a data key that is set', async () => {
      const rogue: Keyring = {
        description: 'rogue',
        async onEncrypt(m: EncryptionMaterials) {
          m.setDataKey(randomBytes(32));
          return m;
        },
        onDecrypt: async (m: DecryptionMaterials, _edks: readonly EncryptedDataKey[]) => m,
      };
      const error = await encrypt('x', {
        keyring: new MultiKeyring({ generator: aes('g'), children: [rogue] }),
      }).catch((e: Error) => e);
      expect(error).to.be.instanceOf(KeyringError);
      expect((error as Error).message).to.match(/already set/);
    });

    it('zero-fills the plaintext data key once the message is written', async () => {
      let seen: Buffer | undefined;
      const inner = aes('spy');
      const spy: Keyring = {
        description: 'spy',
        async onEncrypt(m: EncryptionMaterials) {
          await inner.onEncrypt(m);
          seen = m.dataKey;
          expect(seen.some((b) => b !== 0)).to.equal(true);
          return m;
        },
        onDecrypt: (m, edks) => inner.onDecrypt(m, edks),
      };
      await encrypt(randomBytes(1000), { keyring: spy });
      expect(seen?.every((b) => b === 0)).to.equal(true);
    });

    it('keeps plaintext keys out of JSON', async () => {
      let json = '';
      const inner = aes('json');
      const spy: Keyring = {
        description: 'spy',
        async onEncrypt(m: EncryptionMaterials) {
          await inner.onEncrypt(m);
          json = JSON.stringify(m);
          return m;
        },
        onDecrypt: (m, edks) => inner.onDecrypt(m, edks),
      };
      await encrypt('x', { keyring: spy });
      expect(JSON.parse(json)).to.deep.include({ hasDataKey: true });
      expect(json).to.not.match(/dataKey"/);
    });
  });
  describe('keyring invariants', () => {
    it('refuses a second data key from the same keyring on decrypt', async () => {
      const inner = aes('twice');
      const { ciphertext } = await encrypt('x', { keyring: inner });
      const twice: Keyring = {
        description: 'twice',
        onEncrypt: (m) => inner.onEncrypt(m),
        async onDecrypt(m, edks) {
          await inner.onDecrypt(m, edks);
          m.setDataKey(randomBytes(32));
          return m;
        },
      };
      const error = await decrypt(ciphertext, { keyring: twice }).catch((e: unknown) => e);
      expect(error).to.be.instanceOf(KeyringError);
      expect((error as Error).message).to.match(/already set/);
    });

    it('refuses a data key of the wrong length for the suite', async () => {
      const short: Keyring = {
        description: 'short',
        async onEncrypt(m) {
          m.setDataKey(randomBytes(16));
          return m;
        },
        onDecrypt: async (m) => m,
      };
      expect(await encrypt('x', { keyring: short }).catch((e: unknown) => e)).to.be.instanceOf(KeyringError);
    });

    it('refuses an encrypted data key added before the data key is set', async () => {
      const early: Keyring = {
        description: 'early',
        async onEncrypt(m) {
          m.addEncryptedDataKey({
            providerId: 'p',
            providerInfo: 'i',
            encryptedDataKey: Buffer.of(1),
          } as never);
          return m;
        },
        onDecrypt: async (m) => m,
      };
      expect(await encrypt('x', { keyring: early }).catch((e: unknown) => e)).to.be.instanceOf(KeyringError);
    });

    it('lets a keyring add encrypted data keys but never remove the ones already there', async () => {
      const remover: Keyring = {
        description: 'remover',
        async onEncrypt(m) {
          (m.encryptedDataKeys as EncryptedDataKey[]).length = 0;
          return m;
        },
        onDecrypt: async (m) => m,
      };
      const { header } = await encrypt('x', {
        keyring: new MultiKeyring({ generator: aes('g'), children: [remover] }),
      });
      expect(header.encryptedDataKeys).to.have.length(1);
    });

    it('falls over past a child that throws a plain Error, then reports only when all fail', async () => {
      const good = aes('good');
      const { ciphertext } = await encrypt('x', { keyring: good });
      const broken: Keyring = {
        description: 'broken',
        onEncrypt: async (m) => m,
        onDecrypt: async () => {
          throw new Error('socket hang up');
        },
      };
      const ok = new MultiKeyring({ generator: broken, children: [good] });
      expect((await decrypt(ciphertext, { keyring: ok })).plaintext.toString()).to.equal('x');
      const none = new MultiKeyring({ generator: broken, children: [new FailingKeyring('region-1')] });
      const error = (await decrypt(ciphertext, { keyring: none }).catch((e: unknown) => e)) as NoDataKeyError;
      expect(error).to.be.instanceOf(NoDataKeyError);
      expect(error.failures.map((f) => f.keyring)).to.deep.equal(['broken', 'region-1']);
    });
  });

  describe('data key hygiene', () => {
    /** A keyring that keeps a reference to the materials' data key buffer. */
    function spyOn(inner: Keyring) {
      const seen: Buffer[] = [];
      const spy: Keyring = {
        description: 'spy',
        async onEncrypt(m: EncryptionMaterials) {
          await inner.onEncrypt(m);
          seen.push(m.dataKey);
          return m;
        },
        async onDecrypt(m: DecryptionMaterials, edks: readonly EncryptedDataKey[]) {
          await inner.onDecrypt(m, edks);
          if (m.hasDataKey) seen.push(m.dataKey);
          return m;
        },
      };
      return { spy, seen };
    }

    it('zero-fills the data key once a streaming encrypt finishes', async () => {
      const { spy, seen } = spyOn(aes('stream'));
      for await (const _ of encryptMessage([randomBytes(10_000)], { keyring: spy, frameLength: 1000 })) {
        // drain
      }
      expect(seen).to.have.length(1);
      expect(seen[0]!.every((b) => b === 0)).to.equal(true);
    });

    it('zero-fills the data key once decrypt resolves, and once it rejects', async () => {
      const inner = aes('decrypt');
      const { ciphertext } = await encrypt(randomBytes(5000), { keyring: inner });
      const ok = spyOn(inner);
      await decrypt(ciphertext, { keyring: ok.spy });
      expect(ok.seen).to.have.length(1);
      expect(ok.seen[0]!.every((b) => b === 0)).to.equal(true);

      const forged = Buffer.from(ciphertext);
      forged[forged.length - 200]! ^= 1;
      const bad = spyOn(inner);
      expect(await decrypt(forged, { keyring: bad.spy }).catch((e: unknown) => e)).to.be.instanceOf(
        EnvelopeError,
      );
      expect(bad.seen).to.have.length(1);
      expect(bad.seen[0]!.every((b) => b === 0)).to.equal(true);
    });
  });
});

describe('masterKeyName', () => {
  it('names raw AES, raw RSA and KMS keys as a person would read them', async () => {
    const { header } = await encrypt('x', {
      keyring: new MultiKeyring({
        generator: new RawAesKeyring({
          keyNamespace: 'ns',
          keyName: 'backup-2026',
          wrappingKey: randomBytes(32),
        }),
      }),
    });
    expect(masterKeyName(header.encryptedDataKeys[0]!)).to.equal('backup-2026');
    const arn = 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
    const kms = { providerId: 'aws-kms', providerInfo: Buffer.from(arn), ciphertext: Buffer.alloc(1) };
    expect(masterKeyName(kms)).to.equal(arn);
    expect(masterKeyName({ ...kms, providerInfo: Buffer.of(0, 1, 255) })).to.equal('0001ff');
  });
});
