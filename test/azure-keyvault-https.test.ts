import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { KeyClient } from '@azure/keyvault-keys';
import {
  type AzureHttpsListener,
  createAzureHttpsListener,
  loadOrCreateTlsMaterial,
} from '@envelope/kms-server';
import { expect } from 'chai';
import {
  type AzureTarget,
  emulatorCredential,
  keyVaultSuite,
  newAzureService,
} from './azure-keyvault-suite.js';
import { TrustingProxyAgent, throughAzureProxy } from './support/azure-proxy.js';

/**
 * The SDK through the HTTPS listener's CONNECT proxy. In this process the CA is given to the proxy
 * agent (NODE_EXTRA_CA_CERTS is read only at start); the child-process test below runs the exact
 * documented set-up: NODE_EXTRA_CA_CERTS and the SDK's `proxyOptions`.
 */
function throughProxy(listener: AzureHttpsListener) {
  return throughAzureProxy(listener.proxyUrl, listener.caCertPem);
}

/** One raw HTTPS request tunnelled through the proxy (no SDK). */
function rawRequest(listener: AzureHttpsListener, url: string, headers: Record<string, string> = {}) {
  const agent = new TrustingProxyAgent(listener.proxyUrl, listener.caCertPem);
  return new Promise<{ status: number; headers: Record<string, unknown>; body: string }>(
    (resolve, reject) => {
      const req = httpsRequest(url, { agent, headers }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
      });
      req.on('error', reject);
      req.end();
    },
  );
}

describe('Azure Key Vault over HTTPS: official SDK through the CONNECT-proxied vault hosts', function () {
  this.timeout(120_000);
  let listener: AzureHttpsListener;
  let target: AzureTarget;

  before(async () => {
    listener = await createAzureHttpsListener({ service: newAzureService(), vaults: ['myvault', 'other'] });
  });
  after(() => listener.close());

  describe('the operations', () => {
    let service: ReturnType<typeof newAzureService>;
    let own: AzureHttpsListener;
    beforeEach(async () => {
      service = newAzureService();
      own = await createAzureHttpsListener({ service, vaults: ['myvault'] });
      target = {
        service,
        vaultUrl: own.vaultUrl('myvault'),
        credential: emulatorCredential(),
        options: throughProxy(own),
      };
    });
    afterEach(() => own.close());
    keyVaultSuite(() => target);
  });

  it('answers an unauthenticated request 401 with a challenge the SDK verifies, and requires the token', async () => {
    const res = await rawRequest(listener, 'https://myvault.vault.localhost/keys?api-version=7.6');
    expect(res.status).to.equal(401);
    expect(res.headers['www-authenticate']).to.match(
      /^Bearer authorization="https:\/\/login\.vault\.localhost\/[^"]+", resource="https:\/\/vault\.localhost"$/,
    );
    expect(JSON.parse(res.body)).to.deep.equal({
      error: { code: 'Unauthorized', message: 'AKV10000: Request is missing a Bearer or PoP token.' },
    });
    const bad = await rawRequest(listener, 'https://myvault.vault.localhost/keys?api-version=7.6', {
      authorization: 'Bearer not-a-jwt',
    });
    expect(bad.status).to.equal(401);
    expect(JSON.parse(bad.body).error.code).to.equal('Unauthorized');
  });

  it('runs a KeyClient with challenge verification on, one challenge per client', async () => {
    const credential = emulatorCredential();
    const keys = new KeyClient(listener.vaultUrl('other'), credential, throughProxy(listener));
    await keys.createEcKey('k');
    await keys.getKey('k');
    expect(credential.calls).to.equal(1);
  });

  it('refuses to tunnel to anything but a vault host', async () => {
    // https-proxy-agent replays the proxy's refusal as the response.
    const refused = await rawRequest(listener, 'https://example.com/');
    expect(refused.status).to.equal(403);
  });

  it('resets the connection while the vault is down', async () => {
    const service = newAzureService();
    const own = await createAzureHttpsListener({ service, vaults: ['down'] });
    try {
      const keys = new KeyClient(own.vaultUrl('down'), emulatorCredential(), throughProxy(own));
      await keys.createEcKey('k');
      const handle = service.core.faults.down('azure', 'down');
      const error = (await keys.getKey('k').catch((e: unknown) => e)) as {
        code?: string;
        statusCode?: number;
      };
      handle.remove();
      expect(error.statusCode).to.equal(undefined);
      expect(error.code).to.be.oneOf(['ECONNRESET', 'REQUEST_SEND_ERROR']);
      expect((await keys.getKey('k')).name).to.equal('k');
    } finally {
      await own.close();
    }
  });

  it('keeps its CA in tlsDir across restarts and reissues the server certificate for a new vault', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'azure-tls-'));
    try {
      const first = loadOrCreateTlsMaterial({ dir, hosts: ['a.vault.localhost', 'localhost'] });
      const again = loadOrCreateTlsMaterial({ dir, hosts: ['a.vault.localhost', 'localhost'] });
      expect(again.certPem).to.equal(first.certPem);
      const more = loadOrCreateTlsMaterial({ dir, hosts: ['a.vault.localhost', 'b.vault.localhost'] });
      expect(more.caCertPem).to.equal(first.caCertPem);
      expect(more.certPem).to.not.equal(first.certPem);
      expect(statSync(join(dir, 'ca-key.pem')).mode & 0o777).to.equal(0o600);
      expect(statSync(join(dir, 'server-key.pem')).mode & 0o777).to.equal(0o600);
      expect(readFileSync(first.caPath, 'utf8')).to.equal(first.caCertPem);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('works as documented: NODE_EXTRA_CA_CERTS and proxyOptions, nothing else changed', async () => {
    const script = `
      import { KeyClient, CryptographyClient } from '@azure/keyvault-keys';
      import { createAzureEmulatorToken } from '@envelope/kms-protocols';
      const credential = { getToken: async (scopes) => {
        const { token, expiresOn } = createAzureEmulatorToken({ audience: [scopes].flat()[0], oid: 'child' });
        return { token, expiresOnTimestamp: expiresOn * 1000 };
      } };
      const options = { proxyOptions: { host: 'http://127.0.0.1', port: ${listener.port} } };
      const keys = new KeyClient('https://myvault.vault.localhost', credential, options);
      const key = await keys.createRsaKey('documented');
      const crypto = new CryptographyClient(key.id, credential, options);
      const wrapped = await crypto.wrapKey('RSA-OAEP-256', Buffer.alloc(32, 1));
      const unwrapped = await crypto.unwrapKey('RSA-OAEP-256', wrapped.result);
      console.log(Buffer.from(unwrapped.result).equals(Buffer.alloc(32, 1)) ? 'ok' : 'mismatch');
    `;
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', '--conditions=@envelope/source', '--input-type=module', '-e', script],
      { env: { ...process.env, NODE_EXTRA_CA_CERTS: listener.caPath }, cwd: process.cwd() },
    );
    expect(stdout.trim()).to.equal('ok');
  });

  it('serves the Python SDK (azure-keyvault-keys) too, when it is installed', async function () {
    const python = '/usr/bin/python3';
    const probe = await promisify(execFile)(python, ['-c', 'import azure.keyvault.keys, azure.core']).catch(
      () => undefined,
    );
    if (!probe) this.skip(); // azure-keyvault-keys is not installed for /usr/bin/python3 on this machine
    const { createAzureEmulatorToken } = await import('@envelope/kms-protocols');
    const { token } = createAzureEmulatorToken({ audience: 'https://vault.localhost', oid: 'python' });
    const script = [
      'import sys, time',
      'from azure.core.credentials import AccessToken',
      'from azure.keyvault.keys import KeyClient',
      'class Cred:',
      `    def get_token(self, *scopes, **kw): return AccessToken('${token}', int(time.time()) + 3600)`,
      `client = KeyClient('https://myvault.vault.localhost', Cred(), connection_verify='${listener.caPath}', proxies={'https': '${listener.proxyUrl}'})`,
      "key = client.create_rsa_key('from-python')",
      "print(client.get_key('from-python').id == key.id)",
    ].join('\n');
    const { stdout } = await promisify(execFile)(python, ['-c', script]);
    expect(stdout.trim()).to.equal('True');
  });
});
