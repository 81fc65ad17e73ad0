import { readFileSync } from 'node:fs';
import { KeyClient } from '@azure/keyvault-keys';
import { type AzureClientSettings, azureClientOptions, azureEmulatorClient } from '@envelope/azure-keyvault';
import { createEnvelope, emulatorServerTarget } from '@envelope/config';
import { AzureKeyVaultService } from '@envelope/kms-emulator';
import type { KmsServer } from '@envelope/kms-server';
import { expect } from 'chai';

const VAULT = 'srvvault';
const VAULT_URL = `https://${VAULT}.vault.localhost`;

/**
 * The `azure-keyvault` keyring against an `envelope kms serve`-style server, given only the switch
 * URL: the hook asks `GET /_envelope/endpoints` for the Key Vault face's port and CA, and the official
 * `CryptographyClient` reaches `https://<vault>.vault.localhost` over TLS (certificate checked against
 * that name with the server's CA) with the SDK's challenge-resource verification left on.
 */
describe('Azure Key Vault through the emulator switch URL: the official SDK over HTTPS to the server', function () {
  this.timeout(60_000);
  let server: KmsServer;

  before(async () => {
    const { createKmsServer } = await import('@envelope/kms-server');
    server = await createKmsServer({ inMemory: true, port: 0, azure: { port: 0, vaults: [VAULT] } });
  });
  after(() => server.close());

  it('says at GET /_envelope/endpoints where the Key Vault face listens, its CA and its vault host suffix', async () => {
    const body = (await (await fetch(`${server.url}/_envelope/endpoints`)).json()) as {
      endpoints: Record<string, { url: string; port: number; caCertPem?: string }>;
    };
    const azure = body.endpoints['azure-https']!;
    expect(azure.port).to.equal(server.endpoints['azure-https']!.port);
    expect(azure.caCertPem).to.equal(readFileSync(server.azureCaPath!, 'utf8'));
    // The unauthenticated answer names no path on the server's machine: the PEM is all a client uses.
    expect(Object.keys(azure).sort()).to.deep.equal(['caCertPem', 'port', 'url', 'vaultHostSuffix']);
    expect(JSON.stringify(body)).not.to.include(server.azureCaPath!);
    expect(azure).to.include({ vaultHostSuffix: 'vault.localhost' });
    expect(body.endpoints['aws-json']).to.deep.equal({ url: server.url, port: server.port });
  });

  it('creates a key with KeyClient and wraps and unwraps with the keyring, the key ids the configured ones', async () => {
    const settings = (await azureEmulatorClient(
      emulatorServerTarget(server.url),
    )) as Partial<AzureClientSettings>;
    expect(settings.credential, 'the hook found the face').to.not.equal(undefined);
    const keys = new KeyClient(VAULT_URL, settings.credential!, {
      ...settings.clientOptions,
      retryOptions: { maxRetries: 0 },
    });
    const key = await keys.createRsaKey('data');
    expect(key.id).to.match(new RegExp(`^${VAULT_URL}/keys/data/[0-9a-f]{32}$`));

    const config = `
emulator: { url: ${server.url} }
keyring: { type: azure-keyvault, keyId: ${VAULT_URL}/keys/data, maxAttempts: 1, timeoutMs: 5000 }
`;
    const envelope = await createEnvelope({ configText: config, env: {} });
    const { ciphertext, header } = await envelope.encrypt('over the wire');
    const [edk] = header.encryptedDataKeys;
    expect(edk!.providerId).to.equal('azure-kv');
    expect(Buffer.from(edk!.providerInfo).toString()).to.equal(key.id);
    const reader = await createEnvelope({ configText: config, env: {} });
    expect((await reader.decrypt(ciphertext)).plaintext.toString()).to.equal('over the wire');

    // The server served it: its Key Vault log has the wrap and the unwrap, each authorised by a
    // token for the resource its challenge named (which the SDK checked against the vault host).
    const served = new AzureKeyVaultService(server.engine.core)
      .diagnosticLog()
      .filter((e) => /wrap/i.test(String(e.operationName)))
      .map((e) => [e.operationName, e.resultType]);
    expect(served).to.deep.equal([
      ['KeyWrap', 'Success'],
      ['KeyUnwrap', 'Success'],
    ]);
  });

  it('checks the TLS certificate: without the server CA the connection is refused', async () => {
    const endpoint = `https://127.0.0.1:${server.endpoints['azure-https']!.port}`;
    const { credential, clientOptions } = azureClientOptions({ endpoint });
    const keys = new KeyClient(VAULT_URL, credential, { ...clientOptions, retryOptions: { maxRetries: 0 } });
    const error = await keys.getKey('data').catch((e: Error) => e);
    expect(String(error)).to.match(
      /self[- ]signed certificate|unable to (get local issuer certificate|verify the first certificate)/i,
    );
  });

  it('fails over fast when the vault is down (connection reset), naming the key', async () => {
    const config = `
emulator: { url: ${server.url} }
keyring: { type: azure-keyvault, keyId: ${VAULT_URL}/keys/data, maxAttempts: 1, timeoutMs: 5000 }
`;
    const outage = server.engine.core.faults.down('azure', VAULT);
    try {
      const envelope = await createEnvelope({ configText: config, env: {} });
      const error = await envelope.encrypt('x').catch((e: Error) => e);
      expect(error).to.be.instanceOf(Error);
      expect(String((error as Error).message)).to.include(`${VAULT_URL}/keys/data`);
    } finally {
      outage.remove();
    }
  });
});
