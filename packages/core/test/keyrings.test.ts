import { generateKeyPairSync, randomBytes } from 'node:crypto';
import {
  type DecryptionMaterials,
  decrypt,
  type EncryptedDataKey,
  type EncryptionMaterials,
  encrypt,
  InvalidArgumentError,
  type Keyring,
  KeyringError,
  MultiKeyring,
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

    it('encrypts with PKCS#1 v1.5 but reports decryption as not supported on this Node.js', async () => {
      const keyring = new RawRsaKeyring({ keyNamespace: 'n', keyName: 'r', privateKey, padding: 'pkcs1' });
      const { ciphertext } = await encrypt('x', { keyring });
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
});
