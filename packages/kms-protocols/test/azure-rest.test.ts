import { randomBytes } from 'node:crypto';
import { AzureKeyVaultService, HsmCore, MemoryResourceStore } from '@envelope/kms-emulator';
import { expect } from 'chai';
import {
  audienceFromScope,
  createAzureEmulatorToken,
  dispatchAzureRest,
  routeAzureRequest,
  vaultOfHost,
  verifyAzureEmulatorToken,
} from '../src/index.js';

describe('Azure Key Vault REST dispatch', () => {
  let service: AzureKeyVaultService;
  const token = () =>
    createAzureEmulatorToken({ audience: 'https://vault.localhost/.default', oid: 'me' }).token;
  const call = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
    dispatchAzureRest(service, {
      method,
      url: new URL(`https://myvault.vault.localhost${path}`),
      headers: { authorization: `Bearer ${token()}`, ...headers },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
  const errorOf = (res: { body?: string }) =>
    JSON.parse(res.body!).error as { code: string; message: string };

  beforeEach(() => {
    service = new AzureKeyVaultService(
      new HsmCore({ store: new MemoryResourceStore(), rootKey: randomBytes(32) }),
    );
  });

  it('challenges a request without a token: 401, WWW-Authenticate with authorization and resource', async () => {
    const res = await dispatchAzureRest(service, {
      method: 'GET',
      url: new URL('https://myvault.vault.localhost/keys?api-version=7.6'),
      headers: {},
    });
    expect(res.status).to.equal(401);
    expect(res.headers['www-authenticate']).to.equal(
      'Bearer authorization="https://login.vault.localhost/00000000-0000-0000-0000-000000000000", resource="https://vault.localhost"',
    );
    expect(errorOf(res).code).to.equal('Unauthorized');
  });

  it('reads api-version however the SDK escapes it (api%2Dversion) and requires it', async () => {
    expect((await call('GET', '/keys?api%2Dversion=2025-07-01')).status).to.equal(200);
    const missing = await call('GET', '/keys');
    expect([missing.status, errorOf(missing).code]).to.deep.equal([400, 'BadParameter']);
    const unknown = await call('GET', '/keys?api-version=1.0');
    expect(errorOf(unknown).message).to.contain('not recognized');
  });

  it('pages with a nextLink carrying api-version, $skiptoken and maxresults; null on the last page', async () => {
    for (const name of ['a', 'b', 'c'])
      await call('POST', `/keys/${name}/create?api-version=7.6`, { kty: 'EC' });
    const first = await call('GET', '/keys?api-version=7.6&maxresults=2');
    const page = JSON.parse(first.body!) as { value: { kid: string }[]; nextLink: string };
    expect(page.value.map((k) => k.kid.split('/').pop())).to.deep.equal(['a', 'b']);
    const next = new URL(page.nextLink);
    expect(next.origin).to.equal('https://myvault.vault.localhost');
    expect(next.searchParams.get('api-version')).to.equal('7.6');
    expect(next.searchParams.get('maxresults')).to.equal('2');
    const second = JSON.parse((await call('GET', `${next.pathname}${next.search}`)).body!);
    expect(second.value).to.have.length(1);
    expect(second.nextLink).to.equal(null);
  });

  it('answers purge 204 with no body', async () => {
    await call('POST', '/keys/p/create?api-version=7.6', { kty: 'EC' });
    await call('DELETE', '/keys/p?api-version=7.6');
    const res = await call('DELETE', '/deletedkeys/p?api-version=7.6');
    expect([res.status, res.body]).to.deep.equal([204, undefined]);
  });

  it('refuses bad JSON, unknown routes, left-out operations and non-vault hosts with Key Vault error bodies', async () => {
    const json = await call('POST', '/keys/k/create?api-version=7.6', '{not json');
    expect([json.status, errorOf(json).code]).to.deep.equal([400, 'BadParameter']);
    const route = await call('GET', '/secrets/s?api-version=7.6');
    expect([route.status, errorOf(route).code]).to.deep.equal([404, 'NotFound']);
    const backup = await call('POST', '/keys/k/backup?api-version=7.6');
    expect([backup.status, errorOf(backup).code]).to.deep.equal([501, 'NotImplemented']);
    const host = await dispatchAzureRest(service, {
      method: 'GET',
      url: new URL('https://127.0.0.1/keys'),
      headers: {},
    });
    expect([host.status, errorOf(host).code]).to.deep.equal([404, 'NotFound']);
  });

  it('routes an empty version segment to the current version', () => {
    expect(routeAzureRequest('GET', '/keys/k/')).to.deep.equal({
      operation: 'getKey',
      name: 'k',
      version: '',
    });
    expect(routeAzureRequest('POST', '/keys/k//wrapkey')).to.deep.equal({
      operation: 'wrapKey',
      name: 'k',
      version: '',
    });
    expect(vaultOfHost('MyVault.vault.localhost:8443')).to.equal('myvault');
    expect(vaultOfHost('a.b.vault.localhost')).to.equal(undefined);
  });
});

describe('the emulator bearer token', () => {
  const now = new Date('2026-06-01T00:00:00Z');

  it('round-trips: aud from a scope, exp, oid', () => {
    const { token, expiresOn } = createAzureEmulatorToken({
      audience: 'https://vault.localhost/.default',
      oid: 'o',
      now,
    });
    expect(token.split('.')).to.have.length(3);
    expect(JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString())).to.deep.equal({
      alg: 'none',
      typ: 'JWT',
    });
    const claims = verifyAzureEmulatorToken(token, 'https://vault.localhost', now);
    expect(claims).to.include({ aud: 'https://vault.localhost', oid: 'o', exp: expiresOn });
    expect(audienceFromScope('https://vault.localhost/.default')).to.equal('https://vault.localhost');
  });

  it('refuses a wrong audience, an expired or not-yet-valid token, no principal, and garbage', () => {
    const make = (claims: object) =>
      `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.`;
    const exp = now.getTime() / 1000 + 60;
    const cases: [string, RegExp][] = [
      [make({ aud: 'https://vault.azure.net', exp, oid: 'o' }), /Invalid audience/],
      [make({ aud: 'https://vault.localhost', exp: exp - 120, oid: 'o' }), /expired/],
      [make({ aud: 'https://vault.localhost', exp, nbf: exp, oid: 'o' }), /not yet valid/],
      [make({ aud: 'https://vault.localhost', exp }), /no principal/],
      [make({ aud: 'https://vault.localhost', oid: 'o' }), /no exp/],
      ['not-a-token', /Unable to parse/],
    ];
    for (const [token, message] of cases) {
      expect(() => verifyAzureEmulatorToken(token, 'https://vault.localhost', now)).to.throw(message);
    }
  });
});
