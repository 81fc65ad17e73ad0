import { createCipheriv, generateKeyPairSync, hkdfSync, randomBytes } from 'node:crypto';
import {
  CachingMaterialsManager,
  DecryptionFailedError,
  decrypt,
  EncryptionContextMismatchError,
  type EncryptionMaterials,
  encrypt,
  InvalidArgumentError,
  KeyringBase,
  KeyringError,
  parseHeader,
  RawAesKeyring,
  RawRsaKeyring,
  RequiredEncryptionContextMaterialsManager,
  rewrap,
} from '@envelope/core';
import { expect } from 'chai';
import { dafnyKey, dafnyVectors } from './support/dafny-vectors.js';

const vectors = dafnyVectors('required-encryption-context-cmm');
/** The context every required-context vector was encrypted with. */
const FULL_CONTEXT = { a: 'a', b: 'b' };
/** framework/test-vectors/complete-vectors/required-encryption-context-cmm.md: contexts that must fail. */
const WRONG_CONTEXTS: Record<string, string>[] = [
  { a: 'b', b: 'a' },
  { a: 'a' },
  { b: 'b' },
  {},
  { a: 'c', b: 'c', c: 'c' },
];

function vectorKeyring(keyName: string, providerId: string): RawAesKeyring {
  const key = dafnyKey(keyName);
  return new RawAesKeyring({
    keyNamespace: providerId,
    keyName: key['key-id'],
    wrappingKey: Buffer.from(key.material as string, 'base64'),
  });
}

/** A reproduced context decrypts iff it holds every required key and only pairs of the message. */
function shouldDecrypt(required: readonly string[], reproduced: Record<string, string>): boolean {
  return (
    required.every((k) => Object.hasOwn(reproduced, k)) &&
    Object.entries(reproduced).every(([k, v]) => FULL_CONTEXT[k as keyof typeof FULL_CONTEXT] === v)
  );
}

async function expectRejection(promise: Promise<unknown>, ...types: (new (...a: never[]) => Error)[]) {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, 'decrypt should have failed').to.be.instanceOf(Error);
  expect(
    types.some((t) => error instanceof t),
    String(error),
  ).to.equal(true);
}

describe('required encryption context materials manager', () => {
  describe(`AWS Encryption SDK 4.1.0 vectors (${vectors.length})`, () => {
    it('has the 55 required encryption context vectors', () => {
      expect(vectors).to.have.length(55);
    });
    for (const vector of vectors) {
      const { underlying, requiredEncryptionContextKeys: required = [] } = vector.keyDescription;
      const keyring = () => vectorKeyring(underlying?.key as string, underlying?.['provider-id'] as string);
      const manager = () =>
        new RequiredEncryptionContextMaterialsManager({
          keyring: keyring(),
          requiredEncryptionContextKeys: required,
        });
      const label = `suite ${vector.suiteId}, required [${required}], reproduced ${JSON.stringify(vector.reproducedEncryptionContext)}`;

      it(`decrypts ${vector.name}: ${label}`, async () => {
        const out = await decrypt(vector.ciphertext, {
          materialsManager: manager(),
          encryptionContext: vector.reproducedEncryptionContext,
          commitmentPolicy: 'forbid-encrypt-allow-decrypt',
        });
        expect(out.plaintext.equals(vector.plaintext)).to.equal(true);
        // The required pairs are authenticated but not stored in the header.
        for (const key of required) expect(out.header.encryptionContext).not.to.have.property(key);
      });

      it(`refuses ${vector.name} with each wrong reproduced context: ${label}`, async () => {
        const wrong = WRONG_CONTEXTS.filter((c) => !shouldDecrypt(required, c));
        expect(wrong.length).to.be.greaterThan(0);
        for (const context of wrong) {
          for (const materialsManager of [manager(), undefined]) {
            await expectRejection(
              decrypt(vector.ciphertext, {
                ...(materialsManager ? { materialsManager } : { keyring: keyring() }),
                encryptionContext: context,
                commitmentPolicy: 'forbid-encrypt-allow-decrypt',
              }),
              EncryptionContextMismatchError,
              DecryptionFailedError,
              KeyringError,
            );
          }
        }
      });
    }

    it('refuses every vector when the required pairs are not reproduced at all', async () => {
      for (const vector of vectors) {
        const { underlying } = vector.keyDescription;
        await expectRejection(
          decrypt(vector.ciphertext, {
            keyring: vectorKeyring(underlying?.key as string, underlying?.['provider-id'] as string),
            commitmentPolicy: 'forbid-encrypt-allow-decrypt',
          }),
          DecryptionFailedError,
          KeyringError,
        );
      }
    });
  });

  describe('round trips', () => {
    const keyring = new RawAesKeyring({ keyNamespace: 'ns', keyName: 'k', wrappingKey: randomBytes(32) });
    const context = { tenant: 'acme', purpose: 'backup', é: 'ü' };
    const manager = new RequiredEncryptionContextMaterialsManager({
      keyring,
      requiredEncryptionContextKeys: ['tenant', 'é'],
    });

    for (const suiteId of [0x0478, 0x0578]) {
      it(`suite 0x0${suiteId.toString(16)}: stores only the unrequired pairs and decrypts with them reproduced`, async () => {
        const plaintext = randomBytes(3000);
        const { ciphertext, header } = await encrypt(plaintext, {
          materialsManager: manager,
          encryptionContext: context,
          suiteId,
          frameLength: 1024,
        });
        const stored = parseHeader(ciphertext, { maxEncryptedDataKeys: 10, maxFrameLength: 1 << 20 }).header;
        expect(stored.encryptionContext).to.not.have.property('tenant');
        expect(stored.encryptionContext).to.not.have.property('é');
        expect(stored.encryptionContext).to.have.property('purpose', 'backup');
        expect(header.encryptionContext).to.deep.equal(stored.encryptionContext);
        expect(ciphertext.includes(Buffer.from('acme'))).to.equal(false);

        for (const options of [{ materialsManager: manager }, { keyring }]) {
          const out = await decrypt(ciphertext, {
            ...options,
            encryptionContext: { tenant: 'acme', é: 'ü' },
          });
          expect(out.plaintext.equals(plaintext)).to.equal(true);
        }
        const all = await decrypt(ciphertext, { keyring, encryptionContext: context });
        expect(all.plaintext.equals(plaintext)).to.equal(true);
      });
    }

    it('refuses a missing, different or extra reproduced pair', async () => {
      const { ciphertext } = await encrypt('secret', {
        materialsManager: manager,
        encryptionContext: context,
      });
      // The raw AES keyring binds the whole context too, so the data key itself does not unwrap.
      await expectRejection(decrypt(ciphertext, { keyring }), KeyringError);
      await expectRejection(
        decrypt(ciphertext, { materialsManager: manager, encryptionContext: { tenant: 'acme' } }),
        EncryptionContextMismatchError,
      );
      await expectRejection(
        decrypt(ciphertext, { keyring, encryptionContext: { tenant: 'other', é: 'ü' } }),
        KeyringError,
      );
      await expectRejection(
        decrypt(ciphertext, { keyring, encryptionContext: { tenant: 'acme', é: 'ü', extra: 'x' } }),
        KeyringError,
      );
      await expectRejection(
        decrypt(ciphertext, { keyring, encryptionContext: { tenant: 'acme', é: 'ü', purpose: 'other' } }),
        EncryptionContextMismatchError,
      );
    });

    it('the header tag alone authenticates the required pairs (a keyring that binds no context)', async () => {
      // RSA-OAEP wraps the data key without the context as AAD, so only the header tag
      // (AAD = header || serialized required context) can catch a wrong reproduced value.
      const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
      const rsa = new RawRsaKeyring({
        keyNamespace: 'ns',
        keyName: 'rsa',
        publicKey,
        privateKey,
        padding: 'oaep-sha256',
      });
      const rsaManager = new RequiredEncryptionContextMaterialsManager({
        keyring: rsa,
        requiredEncryptionContextKeys: ['tenant'],
      });
      const { ciphertext } = await encrypt('tagged', {
        materialsManager: rsaManager,
        encryptionContext: context,
      });
      const ok = await decrypt(ciphertext, { keyring: rsa, encryptionContext: { tenant: 'acme' } });
      expect(ok.plaintext.toString()).to.equal('tagged');
      await expectRejection(decrypt(ciphertext, { keyring: rsa }), DecryptionFailedError);
      await expectRejection(
        decrypt(ciphertext, { keyring: rsa, encryptionContext: { tenant: 'acmf' } }),
        DecryptionFailedError,
      );
      await expectRejection(
        decrypt(ciphertext, { keyring: rsa, encryptionContext: { tenant: 'acme', more: 'x' } }),
        DecryptionFailedError,
      );
    });

    it('a caching manager serves required-context messages from its cache and still checks the pairs', async () => {
      const { ciphertext } = await encrypt('cached', {
        materialsManager: manager,
        encryptionContext: context,
      });
      const caching = new CachingMaterialsManager({ keyring, maxAgeMs: 60_000 });
      const reproduced = { tenant: 'acme', é: 'ü' };
      for (let i = 0; i < 2; i++) {
        const out = await decrypt(ciphertext, { materialsManager: caching, encryptionContext: reproduced });
        expect(out.plaintext.toString()).to.equal('cached');
      }
      expect(caching.size).to.equal(1);
      // Cache hits now: the header tag still refuses a missing or different required pair.
      await expectRejection(decrypt(ciphertext, { materialsManager: caching }), DecryptionFailedError);
      await expectRejection(
        decrypt(ciphertext, { materialsManager: caching, encryptionContext: { tenant: 'x', é: 'ü' } }),
        DecryptionFailedError,
      );
    });

    it('a caching manager over the required-context manager keeps the pairs unstored on cache hits', async () => {
      const caching = new CachingMaterialsManager({ materialsManager: manager, maxAgeMs: 60_000 });
      for (let i = 0; i < 3; i++) {
        const { ciphertext } = await encrypt('hit', {
          materialsManager: caching,
          encryptionContext: context,
        });
        const stored = parseHeader(ciphertext, { maxEncryptedDataKeys: 10, maxFrameLength: 1 << 20 }).header;
        expect(stored.encryptionContext, `message ${i}`).to.not.have.property('tenant');
        const out = await decrypt(ciphertext, { keyring, encryptionContext: { tenant: 'acme', é: 'ü' } });
        expect(out.plaintext.toString()).to.equal('hit');
      }
    });

    it('writes the specification layout: header tag AAD = header || count || sorted required pairs', async () => {
      // A keyring with a known data key, so the test can derive the content key independently.
      const dataKey = randomBytes(32);
      class KnownKey extends KeyringBase {
        readonly description = 'known';
        protected async wrap(materials: EncryptionMaterials) {
          materials.setDataKey(dataKey);
          materials.addEncryptedDataKey({
            providerId: 'known',
            providerInfo: Buffer.alloc(1),
            ciphertext: Buffer.alloc(1),
          });
        }
        protected async unwrap() {}
      }
      const known = new RequiredEncryptionContextMaterialsManager({
        keyring: new KnownKey(),
        requiredEncryptionContextKeys: ['é', 'tenant'],
      });
      const { ciphertext } = await encrypt('layout', {
        materialsManager: known,
        encryptionContext: context,
        suiteId: 0x0478,
      });
      const parsed = parseHeader(ciphertext, { maxEncryptedDataKeys: 10, maxFrameLength: 1 << 20 });
      // HKDF-SHA512(data key, salt = message id, info = suite id || "DERIVEKEY") (data-format/message-header.md v2)
      const key = Buffer.from(
        hkdfSync(
          'sha512',
          dataKey,
          parsed.header.messageId,
          Buffer.concat([Buffer.of(0x04, 0x78), Buffer.from('DERIVEKEY')]),
          32,
        ),
      );
      const pair = (k: string, v: string) => {
        const [kb, vb] = [Buffer.from(k), Buffer.from(v)];
        return Buffer.concat([
          Buffer.of(kb.length >> 8, kb.length & 0xff),
          kb,
          Buffer.of(vb.length >> 8, vb.length & 0xff),
          vb,
        ]);
      };
      // Sorted by UTF-8 bytes: 'tenant' (0x74…) before 'é' (0xc3 0xa9).
      const required = Buffer.concat([Buffer.of(0, 2), pair('tenant', 'acme'), pair('é', 'ü')]);
      const cipher = createCipheriv('aes-256-gcm', key, Buffer.alloc(12));
      cipher.setAAD(Buffer.concat([parsed.headerBytes, required]));
      cipher.final();
      expect(cipher.getAuthTag().equals(parsed.headerTag)).to.equal(true);
      expect(parsed.header.encryptionContext).to.deep.equal({ purpose: 'backup' });
    });

    it('refuses to encrypt when the context lacks a required key', async () => {
      await expectRejection(
        encrypt('x', { materialsManager: manager, encryptionContext: { tenant: 'acme' } }),
        InvalidArgumentError,
      );
    });

    it('refuses reserved or empty required keys at construction', () => {
      for (const bad of [['aws-crypto-public-key'], [''], 'tenant' as unknown as string[]]) {
        expect(
          () =>
            new RequiredEncryptionContextMaterialsManager({ keyring, requiredEncryptionContextKeys: bad }),
        ).to.throw(InvalidArgumentError);
      }
    });

    for (const mode of ['replace', 'add'] as const) {
      it(`rewrap (${mode}) carries the required context: still unstored, still required`, async () => {
        const { ciphertext } = await encrypt('carried', {
          materialsManager: manager,
          encryptionContext: context,
          suiteId: 0x0478,
        });
        const newKeyring = new RawAesKeyring({
          keyNamespace: 'ns',
          keyName: 'k2',
          wrappingKey: randomBytes(32),
        });
        const reproduced = { tenant: 'acme', é: 'ü' };
        const out = await rewrap(ciphertext, { keyring, newKeyring, mode, encryptionContext: reproduced });
        expect(out.after.encryptionContext).to.not.have.property('tenant');
        const opened = await decrypt(out.ciphertext, { keyring: newKeyring, encryptionContext: reproduced });
        expect(opened.plaintext.toString()).to.equal('carried');
        await expectRejection(decrypt(out.ciphertext, { keyring: newKeyring }), KeyringError);
      });
    }
  });
});
