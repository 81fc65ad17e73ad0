import { createHttpHeaders, type HttpClient } from '@azure/core-rest-pipeline';
import {
  AzureKeyVaultError,
  AzureKeyVaultKeyring,
  azureClientOptions,
  cachingCryptographyClients,
  EmulatorCredential,
} from '@envelope/azure-keyvault';
import { encrypt, InvalidArgumentError } from '@envelope/core';
import { expect } from 'chai';
import { KEY } from './fake-vault.js';

/** A vault behind the official SDK that challenges unauthenticated calls and is otherwise down (503). */
function downVault(resource: string) {
  // Snapshots: the SDK resends the same request object after the challenge, with a token added.
  const requests: Array<{ url: string; authorization: string | undefined }> = [];
  const httpClient: HttpClient = {
    async sendRequest(request) {
      const authorization = request.headers.get('authorization');
      requests.push({ url: request.url, authorization });
      const authorized = authorization !== undefined;
      const status = authorized ? 503 : 401;
      const headers = createHttpHeaders(
        authorized
          ? { 'content-type': 'application/json' }
          : {
              'www-authenticate': `Bearer authorization="https://login.microsoftonline.com/tenant", resource="${resource}"`,
            },
      );
      const bodyAsText = authorized
        ? JSON.stringify({ error: { code: 'ServiceUnavailable', message: 'The vault is down.' } })
        : '';
      return { request, status, headers, bodyAsText };
    },
  };
  return { requests, httpClient };
}

describe('the official CryptographyClient under the keyring', () => {
  it('runs exactly one retry layer: the SDK does not retry a 503 on its own', async () => {
    const { requests, httpClient } = downVault('https://vault.azure.net');
    const keyring = new AzureKeyVaultKeyring({
      keyId: KEY,
      clientSupplier: cachingCryptographyClients(new EmulatorCredential(), { clientOptions: { httpClient } }),
      retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 2 },
    });
    const started = performance.now();
    const error = (await encrypt('x', { keyring }).catch((e: Error) => e)) as AzureKeyVaultError;
    expect(error).to.be.instanceOf(AzureKeyVaultError);
    expect(error.statusCode).to.equal(503);
    expect(error.azureCode).to.equal('ServiceUnavailable');
    // one challenge, then one authorised request per keyring attempt (the SDK's 3 retries are off)
    expect(requests.filter((r) => r.authorization)).to.have.length(2);
    expect(performance.now() - started).to.be.lessThan(2000);
  });

  it('caches one client per key id, so the challenge is paid once', async () => {
    const { requests, httpClient } = downVault('https://vault.azure.net');
    const supplier = cachingCryptographyClients(new EmulatorCredential(), { clientOptions: { httpClient } });
    expect(supplier(KEY)).to.equal(supplier(KEY));
    const keyring = new AzureKeyVaultKeyring({
      keyId: KEY,
      clientSupplier: supplier,
      retry: { maxAttempts: 1 },
    });
    await encrypt('x', { keyring }).catch(() => undefined);
    await encrypt('x', { keyring }).catch(() => undefined);
    expect(requests.filter((r) => r.authorization === undefined)).to.have.length(1);
  });

  it('azureClientOptions sends a request for another vault host to the emulator vault of that name, <vault>.vault.localhost, with challenge verification on and an emulator token', async () => {
    const { requests, httpClient } = downVault('https://vault.localhost');
    const { credential, clientOptions } = azureClientOptions({ endpoint: 'https://localhost:8443' });
    const keyring = new AzureKeyVaultKeyring({
      keyId: KEY,
      credential,
      clientOptions: { ...clientOptions, httpClient },
      retry: { maxAttempts: 1 },
    });
    await encrypt('x', { keyring }).catch(() => undefined);
    expect(requests.length).to.be.greaterThan(1);
    for (const r of requests) {
      expect(new URL(r.url).host).to.equal('contoso.vault.localhost');
      expect(new URL(r.url).pathname).to.match(/^\/keys\/orders/);
    }
    const token = requests.at(-1)!.authorization!.replace(/^Bearer /, '');
    const claims = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString());
    expect(claims.aud).to.equal('https://vault.localhost');
  });

  it('azureClientOptions refuses a bad endpoint or an unreadable CA file with a typed error', () => {
    expect(() => azureClientOptions({ endpoint: 'not a url' })).to.throw(InvalidArgumentError, /not a URL/);
    expect(() =>
      azureClientOptions({ endpoint: 'https://localhost:8443', caFile: '/nonexistent/ca.pem' }),
    ).to.throw(InvalidArgumentError, /Cannot read the emulator CA file/);
  });
});
