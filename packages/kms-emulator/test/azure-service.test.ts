import { createDecipheriv, randomBytes } from 'node:crypto';
import { expect } from 'chai';
import { AzureKeyVaultError, AzureKeyVaultService, HsmCore, MemoryResourceStore } from '../src/index.js';

describe('Azure Key Vault service model', () => {
  let now: Date;
  let core: HsmCore;
  let service: AzureKeyVaultService;
  const ctx = { vault: 'vault1', principal: 'oid-1' };
  const seconds = () => Math.floor(now.getTime() / 1000);

  beforeEach(() => {
    now = new Date('2026-01-01T00:00:00Z');
    core = new HsmCore({ store: new MemoryResourceStore(), rootKey: randomBytes(32), clock: () => now });
    service = new AzureKeyVaultService(core);
  });

  async function refused(call: Promise<unknown>, code: string, inner?: string): Promise<AzureKeyVaultError> {
    const error = await call.then(
      () => expect.fail(`expected ${code}`),
      (e: unknown) => e,
    );
    expect(error).to.be.instanceOf(AzureKeyVaultError);
    const e = error as AzureKeyVaultError;
    expect(e.code, e.message).to.equal(code);
    if (inner) expect(e.innerCode).to.equal(inner);
    return e;
  }

  const create = (name: string, body: Record<string, unknown>) =>
    service.invoke('createKey', { name, body }, ctx);
  const b64 = (bytes: Buffer) => bytes.toString('base64url');

  it('issues 32-hex version ids and key ids under the vault URL', async () => {
    const bundle = (await create('k', { kty: 'EC', crv: 'P-384' })) as { key: { kid: string; crv: string } };
    expect(bundle.key.kid).to.match(/^https:\/\/vault1\.vault\.localhost\/keys\/k\/[0-9a-f]{32}$/);
    expect(bundle.key.crv).to.equal('P-384');
  });

  it('refuses invalid key and vault names with BadParameter', async () => {
    await refused(create('bad_name', { kty: 'RSA' }), 'BadParameter');
    await refused(service.invoke('getKeys', {}, { vault: '-x' }), 'BadParameter');
  });

  it('bounds maxresults to 1..25 and refuses a $skiptoken from another vault', async () => {
    await refused(service.invoke('getKeys', { maxresults: 0 }, ctx), 'BadParameter');
    await refused(service.invoke('getKeys', { maxresults: 26 }, ctx), 'BadParameter');
    const token = Buffer.from('other/k').toString('base64url');
    await refused(service.invoke('getKeys', { skiptoken: token }, ctx), 'BadParameter');
  });

  it('on a disabled key refuses unwrapKey, decrypt and sign (KeyDisabled) but still wraps, as Key Vault does', async () => {
    await create('rsa', { kty: 'RSA' });
    const wrapped = (await service.invoke(
      'wrapKey',
      { name: 'rsa', body: { alg: 'RSA-OAEP-256', value: b64(randomBytes(32)) } },
      ctx,
    )) as { value: string };
    await service.invoke('updateKey', { name: 'rsa', body: { attributes: { enabled: false } } }, ctx);
    await refused(
      service.invoke('unwrapKey', { name: 'rsa', body: { alg: 'RSA-OAEP-256', value: wrapped.value } }, ctx),
      'Forbidden',
      'KeyDisabled',
    );
    await refused(
      service.invoke('sign', { name: 'rsa', body: { alg: 'RS256', value: b64(randomBytes(32)) } }, ctx),
      'Forbidden',
      'KeyDisabled',
    );
    await service.invoke(
      'wrapKey',
      { name: 'rsa', body: { alg: 'RSA-OAEP-256', value: b64(randomBytes(32)) } },
      ctx,
    );
  });

  it('after exp refuses encrypt and wrapKey but still decrypts; before nbf refuses everything', async () => {
    await create('oct', { kty: 'oct-HSM', key_size: 256, attributes: { exp: seconds() + 60 } });
    const wrapped = (await service.invoke(
      'wrapKey',
      { name: 'oct', body: { alg: 'A256KW', value: b64(randomBytes(32)) } },
      ctx,
    )) as { value: string };
    now = new Date(now.getTime() + 120_000);
    await refused(
      service.invoke('wrapKey', { name: 'oct', body: { alg: 'A256KW', value: b64(randomBytes(32)) } }, ctx),
      'Forbidden',
      'KeyExpired',
    );
    await service.invoke('unwrapKey', { name: 'oct', body: { alg: 'A256KW', value: wrapped.value } }, ctx);
    await create('later', { kty: 'oct', key_size: 128, attributes: { nbf: seconds() + 60 } });
    await refused(
      service.invoke('unwrapKey', { name: 'later', body: { alg: 'A128KW', value: wrapped.value } }, ctx),
      'Forbidden',
      'KeyNotYetValid',
    );
    await refused(create('bad-window', { kty: 'oct', attributes: { nbf: 10, exp: 5 } }), 'BadParameter');
  });

  it('purges a deleted key once its scheduled purge date has passed', async () => {
    await create('gone', { kty: 'EC' });
    await service.invoke('deleteKey', { name: 'gone' }, ctx);
    now = new Date(now.getTime() + 91 * 86_400_000);
    await refused(service.invoke('getDeletedKey', { name: 'gone' }, ctx), 'KeyNotFound');
    expect(core.store.get('azure.key', 'vault1/gone')).to.equal(undefined);
    await create('gone', { kty: 'EC' });
  });

  it('answers injected faults with Key Vault codes: Throttled, a named code, InternalServerError otherwise', async () => {
    await create('f', { kty: 'EC' });
    const throttle = core.faults.throttle({ service: 'azure', location: 'vault1' });
    await refused(service.invoke('getKey', { name: 'f' }, ctx), 'Throttled');
    throttle.remove();
    const named = core.faults.fail({ service: 'azure', location: 'vault1', error: 'ServiceUnavailable' });
    expect(
      (await refused(service.invoke('getKey', { name: 'f' }, ctx), 'ServiceUnavailable')).status,
    ).to.equal(503);
    named.remove();
    core.faults.fail({ service: 'azure', error: 'NoSuchCode' });
    await refused(service.invoke('getKey', { name: 'f' }, ctx), 'InternalServerError');
  });

  it('audits every call with its principal and outcome, never the values', async () => {
    await create('a', { kty: 'oct-HSM', key_size: 128 });
    const secret = randomBytes(16);
    const out = (await service.invoke(
      'encrypt',
      { name: 'a', body: { alg: 'A128CBCPAD', value: b64(secret), iv: b64(randomBytes(16)) } },
      ctx,
    )) as { value: string };
    await refused(service.invoke('getKey', { name: 'missing' }, ctx), 'KeyNotFound');
    const log = service.diagnosticLog();
    expect(log.map((e) => [e.operationName, e.resultType, e.properties.httpStatusCode])).to.deep.equal([
      ['KeyCreate', 'Success', 200],
      ['KeyEncrypt', 'Success', 200],
      ['KeyGet', 'Failure', 404],
    ]);
    expect(core.auditLog()[1]!.principal).to.equal('oid-1');
    const text = JSON.stringify(core.auditLog());
    expect(text).to.not.contain(b64(secret));
    expect(text).to.not.contain(out.value);
  });

  it('rolls back a failed create: no key, no version, one failure record', async () => {
    await refused(create('x', { kty: 'RSA', key_size: 1000 }), 'BadParameter');
    await refused(service.invoke('getKey', { name: 'x' }, ctx), 'KeyNotFound');
    expect(core.auditLog().map((r) => r.error?.code)).to.deep.equal(['BadParameter', 'KeyNotFound']);
  });

  describe('plaintext buffers of AES decrypt and unwrapKey', () => {
    /** Every buffer a decipher's update() or final() returns while `run` runs: plaintext, whole or in part. */
    async function decipherOutputs(run: () => Promise<unknown>): Promise<Buffer[]> {
      const proto = Object.getPrototypeOf(
        createDecipheriv('aes-128-cbc', Buffer.alloc(16), Buffer.alloc(16)),
      ) as {
        update: (...args: unknown[]) => Buffer;
        final: (...args: unknown[]) => Buffer;
      };
      const { update, final } = proto;
      const outputs: Buffer[] = [];
      proto.update = function (this: unknown, ...args: unknown[]) {
        const out = update.apply(this, args);
        outputs.push(out);
        return out;
      };
      proto.final = function (this: unknown, ...args: unknown[]) {
        const out = final.apply(this, args);
        outputs.push(out);
        return out;
      };
      try {
        await run();
      } finally {
        proto.update = update;
        proto.final = final;
      }
      return outputs;
    }

    const cases = [
      { alg: 'A256GCM', encrypt: 'encrypt', decrypt: 'decrypt', iv: undefined },
      { alg: 'A256CBCPAD', encrypt: 'encrypt', decrypt: 'decrypt', iv: randomBytes(16) },
      { alg: 'A256KW', encrypt: 'wrapKey', decrypt: 'unwrapKey', iv: undefined },
    ] as const;
    for (const { alg, encrypt, decrypt, iv } of cases) {
      it(`${decrypt} with ${alg} zero-fills every plaintext buffer once the result is encoded`, async () => {
        await create('aes', { kty: 'oct-HSM', key_size: 256 });
        const secret = randomBytes(32);
        const sealed = (await service.invoke(
          encrypt,
          { name: 'aes', body: { alg, value: b64(secret), ...(iv ? { iv: b64(iv) } : {}) } },
          ctx,
        )) as { value: string; iv?: string; tag?: string };
        let opened: { value: string } | undefined;
        const outputs = await decipherOutputs(async () => {
          opened = (await service.invoke(
            decrypt,
            {
              name: 'aes',
              body: {
                alg,
                value: sealed.value,
                ...(sealed.iv ? { iv: sealed.iv } : {}),
                ...(sealed.tag ? { tag: sealed.tag } : {}),
              },
            },
            ctx,
          )) as { value: string };
        });
        expect(Buffer.from(opened!.value, 'base64url').equals(secret), 'answered plaintext').to.equal(true);
        const plaintextBytes = outputs.reduce((n, out) => n + out.length, 0);
        expect(plaintextBytes, 'deciphered bytes seen').to.be.at.least(32);
        for (const out of outputs)
          expect(
            out.every((byte) => byte === 0),
            'plaintext buffer wiped',
          ).to.equal(true);
      });
    }
  });
});
