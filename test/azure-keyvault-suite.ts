import { createHash, randomBytes } from 'node:crypto';
import { CryptographyClient, KeyClient, type KeyClientOptions, type KeyVaultKey } from '@azure/keyvault-keys';
import { AzureKeyVaultService, HsmCore, MemoryResourceStore } from '@envelope/kms-emulator';
import { createAzureEmulatorToken } from '@envelope/kms-protocols';
import { expect } from 'chai';

type TokenCredential = ConstructorParameters<typeof KeyClient>[1];

/** A tiny credential producing the emulator's token format (the keyring package ships the real one). */
export function emulatorCredential(
  oid = 'test-principal-oid',
  lifetime = 3600,
): TokenCredential & { calls: number } {
  const credential = {
    calls: 0,
    async getToken(scopes: string | string[]) {
      credential.calls++;
      const scope = Array.isArray(scopes) ? scopes[0]! : scopes;
      const { token, expiresOn } = createAzureEmulatorToken({
        audience: scope,
        oid,
        expiresInSeconds: lifetime,
      });
      return { token, expiresOnTimestamp: expiresOn * 1000 };
    },
  };
  return credential;
}

export function newAzureService(): AzureKeyVaultService {
  return new AzureKeyVaultService(
    new HsmCore({ store: new MemoryResourceStore(), rootKey: randomBytes(32) }),
  );
}

export interface AzureTarget {
  service: AzureKeyVaultService;
  vaultUrl: string;
  /** Client options pointing the SDK at the emulator (httpClient, or proxy and TLS). */
  options: KeyClientOptions;
  credential: TokenCredential;
}

/** Expects a call to fail with the SDK's RestError carrying this status and Key Vault error code. */
export async function expectRestError(call: Promise<unknown>, status: number, code: string): Promise<Error> {
  try {
    await call;
  } catch (error) {
    const e = error as { statusCode?: number; code?: string };
    expect(e.statusCode, String(error)).to.equal(status);
    expect(e.code, String(error)).to.equal(code);
    return error as Error;
  }
  expect.fail(`expected ${status} ${code}`);
}

const VERSION = /\/keys\/[\w-]+\/[0-9a-f]{32}$/;
const sha = (alg: string, data: Buffer) => createHash(alg).update(data).digest();

/** Every keys API operation through the official KeyClient and CryptographyClient. */
export function keyVaultSuite(target: () => AzureTarget): void {
  let keys: KeyClient;
  let t: AzureTarget;
  const crypto = (key: KeyVaultKey | string) =>
    new CryptographyClient(key as string, t.credential, t.options);
  const noWait = { intervalInMs: 1 };

  beforeEach(() => {
    t = target();
    keys = new KeyClient(t.vaultUrl, t.credential, t.options);
  });

  describe('create and get', () => {
    it('creates RSA 2048/3072/4096, EC P-256/P-384/P-521 and oct-HSM 128/192/256 keys with 32-hex versions', async () => {
      for (const size of [2048, 3072, 4096]) {
        const key = await keys.createRsaKey(`rsa-${size}`, { keySize: size });
        expect(key.id).to.match(VERSION);
        expect(Buffer.from(key.key!.n!).length * 8).to.equal(size);
      }
      for (const curve of ['P-256', 'P-384', 'P-521'] as const) {
        const key = await keys.createEcKey(`ec-${curve}`, { curve });
        expect(key.key!.crv).to.equal(curve);
        expect(key.keyOperations).to.deep.equal(['sign', 'verify']);
      }
      for (const size of [128, 192, 256]) {
        const key = await keys.createOctKey(`oct-${size}`, { keySize: size, hsm: true });
        expect(key.keyType).to.equal('oct-HSM');
        expect(key.key!.k).to.equal(undefined);
      }
    });

    it('gets the latest version and a given one; creating an existing name adds a version', async () => {
      const first = await keys.createRsaKey('twice');
      const second = await keys.createRsaKey('twice');
      expect((await keys.getKey('twice')).properties.version).to.equal(second.properties.version);
      expect((await keys.getKey('twice', { version: first.properties.version! })).id).to.equal(first.id);
      await expectRestError(keys.getKey('twice', { version: 'a'.repeat(32) }), 404, 'KeyNotFound');
      await expectRestError(keys.getKey('missing'), 404, 'KeyNotFound');
    });

    it('refuses bad parameters with BadParameter', async () => {
      await expectRestError(keys.createRsaKey('bad-size', { keySize: 1024 }), 400, 'BadParameter');
      await expectRestError(keys.createKey('bad-type', 'RSA-WRONG' as 'RSA'), 400, 'BadParameter');
      await expectRestError(keys.createOctKey('bad-oct', { keySize: 512 }), 400, 'BadParameter');
      await expectRestError(keys.createEcKey('bad-ops', { keyOps: ['encrypt'] }), 400, 'BadParameter');
    });
  });

  describe('list with paging', () => {
    it('pages keys and versions with nextLink and maxresults', async () => {
      for (const name of ['p-a', 'p-b', 'p-c', 'p-d', 'p-e']) await keys.createEcKey(name);
      for (let i = 0; i < 2; i++) await keys.createEcKey('p-c');
      const pages: string[][] = [];
      for await (const page of keys.listPropertiesOfKeys().byPage({ maxPageSize: 2 })) {
        pages.push(page.map((p) => p.name));
      }
      expect(pages.map((p) => p.length)).to.deep.equal([2, 2, 1]);
      expect(pages.flat()).to.deep.equal(['p-a', 'p-b', 'p-c', 'p-d', 'p-e']);
      const versions: string[] = [];
      for await (const page of keys.listPropertiesOfKeyVersions('p-c').byPage({ maxPageSize: 1 })) {
        expect(page).to.have.length(1);
        versions.push(page[0]!.version!);
      }
      expect(new Set(versions).size).to.equal(3);
    });
  });

  describe('update', () => {
    it('disables (get and decrypt answer Forbidden/KeyDisabled), sets expiry, tags and key_ops', async () => {
      const key = await keys.createRsaKey('upd');
      const wrapped = await crypto(key.id!).wrapKey('RSA-OAEP-256', randomBytes(32));
      await keys.updateKeyProperties('upd', { enabled: false });
      const denied = await expectRestError(keys.getKey('upd'), 403, 'Forbidden');
      expect(denied.message).to.contain('disabled');
      await expectRestError(crypto(key.id!).unwrapKey('RSA-OAEP-256', wrapped.result), 403, 'Forbidden');
      const expiresOn = new Date(Math.ceil(Date.now() / 1000 + 86_400) * 1000);
      const updated = await keys.updateKeyProperties('upd', key.properties.version!, {
        enabled: true,
        expiresOn,
        tags: { team: 'envelope' },
        keyOps: ['wrapKey', 'unwrapKey'],
      });
      expect(updated.properties.expiresOn?.getTime()).to.equal(expiresOn.getTime());
      expect(updated.properties.tags).to.deep.equal({ team: 'envelope' });
      expect(updated.keyOperations).to.deep.equal(['wrapKey', 'unwrapKey']);
      // A client that fetched the key before key_ops changed asks the emulator, which refuses.
      const cached = crypto(key.id!);
      const again = await cached.wrapKey('RSA-OAEP-256', randomBytes(32));
      await keys.updateKeyProperties('upd', key.properties.version!, { keyOps: ['wrapKey'] });
      const forbidden = await expectRestError(
        cached.unwrapKey('RSA-OAEP-256', again.result),
        403,
        'Forbidden',
      );
      expect(forbidden.message).to.contain('not permitted');
    });
  });

  describe('rotate and rotation policy', () => {
    it('rotates to a new version, keeps the old one usable, and applies the policy expiry', async () => {
      const key = await keys.createRsaKey('rot');
      const old = await crypto(key.id!).wrapKey('RSA-OAEP-256', Buffer.alloc(32, 7));
      const defaults = await keys.getKeyRotationPolicy('rot');
      expect(defaults.lifetimeActions).to.have.length(1);
      expect(defaults.lifetimeActions![0]).to.include({ action: 'Notify', timeBeforeExpiry: 'P30D' });
      const policy = await keys.updateKeyRotationPolicy('rot', {
        lifetimeActions: [{ action: 'Rotate', timeAfterCreate: 'P90D' }],
        expiresIn: 'P1Y',
      });
      expect(policy.expiresIn).to.equal('P1Y');
      expect((await keys.getKeyRotationPolicy('rot')).lifetimeActions![0]).to.include({
        action: 'Rotate',
        timeAfterCreate: 'P90D',
      });
      const rotated = await keys.rotateKey('rot');
      expect(rotated.properties.version).to.not.equal(key.properties.version);
      expect(rotated.properties.expiresOn!.getTime()).to.be.greaterThan(Date.now() + 360 * 86_400_000);
      expect((await keys.getKey('rot')).id).to.equal(rotated.id);
      const unwrapped = await crypto(key.id!).unwrapKey('RSA-OAEP-256', old.result);
      expect(Buffer.from(unwrapped.result)).to.deep.equal(Buffer.alloc(32, 7));
      await expectRestError(
        keys.updateKeyRotationPolicy('rot', { lifetimeActions: [{ action: 'Rotate' }] }),
        400,
        'BadParameter',
      );
    });
  });

  describe('soft delete, recover, purge', () => {
    it('deletes to a recoverable state, recovers, deletes again and purges', async () => {
      await keys.createEcKey('del');
      const deleted = await (await keys.beginDeleteKey('del', noWait)).pollUntilDone();
      expect(deleted.properties.recoveryId).to.match(/\/deletedkeys\/del$/);
      expect(deleted.properties.scheduledPurgeDate!.getTime()).to.be.greaterThan(
        Date.now() + 89 * 86_400_000,
      );
      await expectRestError(keys.getKey('del'), 404, 'KeyNotFound');
      expect((await keys.getDeletedKey('del')).name).to.equal('del');
      const listed: string[] = [];
      for await (const item of keys.listDeletedKeys()) listed.push(item.name);
      expect(listed).to.deep.equal(['del']);
      await expectRestError(keys.createEcKey('del'), 409, 'Conflict');
      await (await keys.beginRecoverDeletedKey('del', noWait)).pollUntilDone();
      expect((await keys.getKey('del')).name).to.equal('del');
      await (await keys.beginDeleteKey('del', noWait)).pollUntilDone();
      await keys.purgeDeletedKey('del');
      await expectRestError(keys.getDeletedKey('del'), 404, 'KeyNotFound');
      await expectRestError(keys.purgeDeletedKey('del'), 404, 'KeyNotFound');
      expect((await keys.createEcKey('del')).name).to.equal('del');
    });
  });

  describe('cryptography', () => {
    it('wraps and unwraps with RSA-OAEP-256 and RSA-OAEP (SDK-local wrap, emulator unwrap)', async () => {
      const key = await keys.createRsaKey('wrap', { keySize: 2048 });
      const dataKey = randomBytes(32);
      for (const alg of ['RSA-OAEP-256', 'RSA-OAEP'] as const) {
        const wrapped = await crypto(key.id!).wrapKey(alg, dataKey);
        expect(wrapped.keyID).to.equal(key.id);
        expect(Buffer.from((await crypto(key.id!).unwrapKey(alg, wrapped.result)).result)).to.deep.equal(
          dataKey,
        );
      }
      await expectRestError(crypto(key.id!).unwrapKey('RSA-OAEP-256', randomBytes(256)), 400, 'BadParameter');
    });

    it('encrypts and decrypts with RSA', async () => {
      const key = await keys.createRsaKey('enc-rsa', { keySize: 3072 });
      const plaintext = Buffer.from('attack at dawn');
      const sealed = await crypto(key).encrypt({ algorithm: 'RSA-OAEP-256', plaintext });
      const opened = await crypto(key.id!).decrypt({ algorithm: 'RSA-OAEP-256', ciphertext: sealed.result });
      expect(Buffer.from(opened.result).toString()).to.equal('attack at dawn');
    });

    it('wraps with A128KW/A256KW and encrypts with A256GCM (AAD) and A128CBCPAD on oct-HSM keys', async () => {
      const k128 = await keys.createOctKey('oct-a', { keySize: 128, hsm: true });
      const k256 = await keys.createOctKey('oct-b', { keySize: 256, hsm: true });
      const dataKey = randomBytes(32);
      for (const [key, alg] of [
        [k128, 'A128KW'],
        [k256, 'A256KW'],
      ] as const) {
        const wrapped = await crypto(key.id!).wrapKey(alg, dataKey);
        expect(wrapped.result).to.have.length(40);
        expect(Buffer.from((await crypto(key.id!).unwrapKey(alg, wrapped.result)).result)).to.deep.equal(
          dataKey,
        );
      }
      await expectRestError(crypto(k128.id!).wrapKey('A256KW', dataKey), 400, 'BadParameter');
      const aad = Buffer.from('context');
      const gcm = await crypto(k256.id!).encrypt({
        algorithm: 'A256GCM',
        plaintext: Buffer.from('hello'),
        additionalAuthenticatedData: aad,
      });
      expect(gcm.iv).to.have.length(12);
      // (key, IV) never repeats: the same key, plaintext and AAD again get a fresh IV.
      const ivs = new Set([Buffer.from(gcm.iv!).toString('hex')]);
      for (let i = 0; i < 20; i++) {
        const again = await crypto(k256.id!).encrypt({
          algorithm: 'A256GCM',
          plaintext: Buffer.from('hello'),
          additionalAuthenticatedData: aad,
        });
        ivs.add(Buffer.from(again.iv!).toString('hex'));
      }
      expect(ivs.size).to.equal(21);
      const opened = await crypto(k256.id!).decrypt({
        algorithm: 'A256GCM',
        ciphertext: gcm.result,
        iv: gcm.iv!,
        authenticationTag: gcm.authenticationTag!,
        additionalAuthenticatedData: aad,
      });
      expect(Buffer.from(opened.result).toString()).to.equal('hello');
      await expectRestError(
        crypto(k256.id!).decrypt({
          algorithm: 'A256GCM',
          ciphertext: gcm.result,
          iv: gcm.iv!,
          authenticationTag: gcm.authenticationTag!,
          additionalAuthenticatedData: Buffer.from('other'),
        }),
        400,
        'BadParameter',
      );
      const iv = randomBytes(16);
      const cbc = await crypto(k128.id!).encrypt({
        algorithm: 'A128CBCPAD',
        plaintext: Buffer.from('seventeen bytes!!'),
        iv,
      });
      const back = await crypto(k128.id!).decrypt({ algorithm: 'A128CBCPAD', ciphertext: cbc.result, iv });
      expect(Buffer.from(back.result).toString()).to.equal('seventeen bytes!!');
    });

    it('signs and verifies with RS256, PS384 and ES256/ES384/ES512', async () => {
      const rsa = await keys.createRsaKey('sig-rsa');
      const data = Buffer.from('signed message');
      for (const [alg, hash] of [
        ['RS256', 'sha256'],
        ['PS384', 'sha384'],
      ] as const) {
        const signature = await crypto(rsa.id!).sign(alg, sha(hash, data));
        expect((await crypto(rsa.id!).verify(alg, sha(hash, data), signature.result)).result).to.equal(true);
      }
      for (const [curve, alg, hash] of [
        ['P-256', 'ES256', 'sha256'],
        ['P-384', 'ES384', 'sha384'],
        ['P-521', 'ES512', 'sha512'],
      ] as const) {
        const ec = await keys.createEcKey(`sig-${curve}`, { curve });
        const digest = sha(hash, data);
        const signature = await crypto(ec.id!).sign(alg, digest);
        expect((await crypto(ec.id!).verify(alg, digest, signature.result)).result).to.equal(true);
        expect(
          (await crypto(ec.id!).verify(alg, sha(hash, Buffer.from('other')), signature.result)).result,
        ).to.equal(false);
        expect((await crypto(ec).verifyData(alg, data, signature.result)).result).to.equal(true);
      }
      await expectRestError(crypto(rsa.id!).sign('RS256', randomBytes(31)), 400, 'BadParameter');
    });
  });

  describe('faults and audit', () => {
    it('answers 429 Throttled under an injected throttle', async () => {
      await keys.createEcKey('thr');
      const handle = t.service.core.faults.throttle({
        service: 'azure',
        location: new URL(t.vaultUrl).hostname.split('.')[0]!,
      });
      try {
        await expectRestError(keys.getKey('thr'), 429, 'Throttled');
      } finally {
        handle.remove();
      }
    });

    it('records the token principal and no secrets in the diagnostic log', async () => {
      const key = await keys.createRsaKey('aud');
      const dataKey = randomBytes(32);
      const wrapped = await crypto(key.id!).wrapKey('RSA-OAEP-256', dataKey);
      await crypto(key.id!).unwrapKey('RSA-OAEP-256', wrapped.result);
      const log = t.service.diagnosticLog({ operation: 'unwrapKey' });
      expect(log).to.have.length(1);
      const [entry] = log;
      expect(entry!.operationName).to.equal('KeyUnwrap');
      expect(Object.values(entry!.identity.claim)).to.include('test-principal-oid');
      expect(entry!.properties.requestParameters).to.deep.equal({
        name: 'aud',
        version: key.properties.version,
        alg: 'RSA-OAEP-256',
      });
      const text = JSON.stringify(t.service.diagnosticLog());
      expect(text).to.not.contain(dataKey.toString('base64url'));
      expect(text).to.not.contain(Buffer.from(wrapped.result).toString('base64url'));
    });
  });
}
