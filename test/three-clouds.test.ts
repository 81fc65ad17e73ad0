import { KeyClient } from '@azure/keyvault-keys';
import { EmulatorCredential } from '@envelope/azure-keyvault';
import { createEnvelope } from '@envelope/config';
import { sharedEmulator } from '@envelope/config/emulator';
import { AzureKeyVaultService, GcpKmsService } from '@envelope/kms-emulator';
import { AzureInProcessHttpClient, GcpInProcessAuthClient } from '@envelope/kms-protocols';
import { KeyManagementServiceClient } from '@google-cloud/kms';
import { expect } from 'chai';

const REGION = 'eu-west-1';
const GCP_LOCATION = 'projects/envelope-dr/locations/europe-west1';
const GCP_KEY = `${GCP_LOCATION}/keyRings/dr/cryptoKeys/data`;
const VAULT = 'drvault';
const AZURE_KEY = `https://${VAULT}.vault.localhost/keys/data`;

/**
 * Disaster recovery across three clouds, in-process: one config whose multi-keyring wraps each data
 * key under an AWS KMS key, a Cloud KMS key and a Key Vault key, all in the process's shared emulator.
 */
describe('three clouds: one message, any one cloud decrypts it (in-process emulator)', () => {
  let awsKeyArn: string;
  const emulator = sharedEmulator();
  const core = () => emulator.engine.core;

  before(async () => {
    await emulator.reset({ forgetSeeds: true });
    const created = (await emulator.engine.execute('CreateKey', {}, emulator.engine.context(REGION))) as {
      KeyMetadata: { Arn: string };
    };
    awsKeyArn = created.KeyMetadata.Arn;
    const gcp = new KeyManagementServiceClient({
      fallback: 'rest',
      universeDomain: 'googleapis.com',
      authClient: new GcpInProcessAuthClient(new GcpKmsService(core())) as never,
    });
    await gcp.createKeyRing({ parent: GCP_LOCATION, keyRingId: 'dr', keyRing: {} }, { retry: null });
    await gcp.createCryptoKey(
      {
        parent: `${GCP_LOCATION}/keyRings/dr`,
        cryptoKeyId: 'data',
        cryptoKey: { purpose: 'ENCRYPT_DECRYPT' },
      },
      { retry: null },
    );
    const azure = new KeyClient(`https://${VAULT}.vault.localhost`, new EmulatorCredential(), {
      httpClient: new AzureInProcessHttpClient(new AzureKeyVaultService(core())),
      retryOptions: { maxRetries: 0 },
    });
    await azure.createRsaKey('data');
  });
  afterEach(() => core().faults.clear());

  const config = () => `
emulator: true
keyring:
  type: multi
  generator: { type: aws-kms, generator: ${awsKeyArn}, maxAttempts: 1, timeoutMs: 5000 }
  children:
    - { type: gcp-kms, generator: ${GCP_KEY}, maxAttempts: 1, timeoutMs: 5000 }
    - { type: azure-keyvault, keyId: ${AZURE_KEY}, maxAttempts: 1, timeoutMs: 5000 }
`;

  const down = {
    aws: () => core().faults.down('aws', REGION),
    gcp: () => core().faults.down('gcp', GCP_LOCATION),
    azure: () => core().faults.down('azure', VAULT),
  };

  it('wraps the data key under all three clouds, and each cloud alone decrypts', async () => {
    const envelope = await createEnvelope({ configText: config(), env: {} });
    const { ciphertext, header } = await envelope.encrypt('three clouds, one message');
    expect(header.encryptedDataKeys.map((k) => k.providerId)).to.deep.equal([
      'aws-kms',
      'gcp-kms',
      'azure-kv',
    ]);

    for (const survivor of ['aws', 'gcp', 'azure'] as const) {
      const outages = (Object.keys(down) as (keyof typeof down)[])
        .filter((c) => c !== survivor)
        .map((c) => down[c]());
      const reader = await createEnvelope({ configText: config(), env: {} });
      const { plaintext } = await reader.decrypt(ciphertext);
      expect(plaintext.toString(), `${survivor} alone`).to.equal('three clouds, one message');
      for (const outage of outages) outage.remove();
    }

    // Who served: each cloud's own audit log shows its decrypt succeeding.
    const awsDecrypts = emulator.engine.auditLog({}).filter((e) => e.eventName === 'Decrypt' && !e.errorCode);
    expect(awsDecrypts.length).to.be.greaterThan(0);
    const gcpDecrypts = new GcpKmsService(core())
      .auditLog()
      .filter((e) => String(e.protoPayload?.methodName ?? '').endsWith('.Decrypt'));
    expect(gcpDecrypts.length).to.be.greaterThan(0);
    const azureUnwraps = new AzureKeyVaultService(core())
      .diagnosticLog()
      .filter((e) => /unwrap/i.test(String(e.operationName)));
    expect(azureUnwraps.length).to.be.greaterThan(0);
  });

  it('with every cloud down, fails with one error naming each cloud and its cause', async () => {
    const envelope = await createEnvelope({ configText: config(), env: {} });
    const { ciphertext } = await envelope.encrypt('x');
    for (const cloud of Object.values(down)) cloud();
    const reader = await createEnvelope({ configText: config(), env: {} });
    const error = await reader.decrypt(ciphertext).catch((e: Error) => e);
    expect(error).to.be.instanceOf(Error);
    const text = String((error as Error).message);
    expect(text).to.include(awsKeyArn);
    expect(text).to.include(GCP_KEY);
    expect(text).to.include(`${VAULT}.vault.localhost`);
  });

  it('writes during an outage with minimumWraps, recording the cloud it skipped', async () => {
    const outage = down.azure();
    const envelope = await createEnvelope({
      configText: config().replace('  children:', '  minimumWraps: 2\n  children:'),
      env: {},
    });
    const { ciphertext, skippedMasterKeys, header } = await envelope.encrypt('written with one cloud down');
    expect(header.encryptedDataKeys.map((k) => k.providerId)).to.deep.equal(['aws-kms', 'gcp-kms']);
    expect(skippedMasterKeys.map((s) => s.keyring).join(' ')).to.include(VAULT);
    outage.remove();
    const gcpOnly = [down.aws(), down.azure()];
    const { plaintext } = await (await createEnvelope({ configText: config(), env: {} })).decrypt(ciphertext);
    expect(plaintext.toString()).to.equal('written with one cloud down');
    for (const o of gcpOnly) o.remove();
  });
});

/**
 * AWS + GCP + Azure against one `envelope kms serve`-style server, the config switch given only its
 * URL: the GCP and Azure keyrings find the server's Cloud KMS and Key Vault faces themselves
 * (GET /_envelope/endpoints). Outages are the server's own faults (its in-process `core.faults`).
 */
describe('three clouds against one emulator server through the switch URL', () => {
  let server: import('@envelope/kms-server').KmsServer;
  let awsKeyArn: string;
  const location = 'projects/envelope-dr/locations/us-central1';
  const gcpKey = `${location}/keyRings/dr/cryptoKeys/data`;
  const vault = 'srvdrvault';
  const azureKey = `https://${vault}.vault.localhost/keys/data`;

  before(async () => {
    const { createKmsServer } = await import('@envelope/kms-server');
    server = await createKmsServer({
      inMemory: true,
      port: 0,
      gcp: { grpcPort: 0, restPort: 0 },
      azure: { port: 0, vaults: [vault] },
    });
    const created = (await server.engine.execute('CreateKey', {}, server.engine.context(REGION))) as {
      KeyMetadata: { Arn: string };
    };
    awsKeyArn = created.KeyMetadata.Arn;
    const gcp = new GcpKmsService(server.engine.core);
    await gcp.invoke('CreateKeyRing', { parent: location, keyRingId: 'dr', keyRing: {} });
    await gcp.invoke('CreateCryptoKey', {
      parent: `${location}/keyRings/dr`,
      cryptoKeyId: 'data',
      cryptoKey: { purpose: 'ENCRYPT_DECRYPT' },
    });
    await new AzureKeyVaultService(server.engine.core).invoke(
      'createKey',
      { name: 'data', body: { kty: 'RSA', key_size: 2048 } },
      { vault, vaultUrl: `https://${vault}.vault.localhost`, principal: 'test', requestId: 'seed' },
    );
  });
  after(() => server.close());
  afterEach(() => server.engine.core.faults.clear());

  const config = () => `
emulator: { url: ${server.url} }
keyring:
  type: multi
  generator: { type: aws-kms, generator: ${awsKeyArn}, maxAttempts: 1, timeoutMs: 5000 }
  children:
    - { type: gcp-kms, generator: ${gcpKey}, maxAttempts: 1, timeoutMs: 5000 }
    - { type: azure-keyvault, keyId: ${azureKey}, maxAttempts: 1, timeoutMs: 5000 }
`;
  const down = {
    aws: () => server.engine.core.faults.down('aws', REGION),
    gcp: () => server.engine.core.faults.down('gcp', location),
    azure: () => server.engine.core.faults.down('azure', vault),
  };
  /** Successful decrypts each cloud's own log records, by cloud. */
  const served = () => ({
    aws: server.engine.auditLog({}).filter((e) => e.eventName === 'Decrypt' && !e.errorCode).length,
    gcp: new GcpKmsService(server.engine.core)
      .auditLog()
      .filter((e) => String(e.protoPayload?.methodName ?? '').endsWith('.Decrypt') && !e.protoPayload?.status)
      .length,
    azure: new AzureKeyVaultService(server.engine.core)
      .diagnosticLog()
      .filter((e) => e.operationName === 'KeyUnwrap' && e.resultType === 'Success').length,
  });

  it('lists every endpoint at GET /_envelope/endpoints', async () => {
    const body = (await (await fetch(`${server.url}/_envelope/endpoints`)).json()) as {
      endpoints: Record<string, { port: number }>;
    };
    expect(Object.keys(body.endpoints).sort()).to.deep.equal([
      'aws-json',
      'azure-https',
      'gcp-grpc',
      'gcp-rest',
    ]);
    expect(body.endpoints['gcp-grpc']!.port).to.equal(server.endpoints['gcp-grpc']!.port);
    expect(body.endpoints['azure-https']!.port).to.equal(server.endpoints['azure-https']!.port);
  });

  it('encrypts once under all three; with any two clouds down the third decrypts, and its own log shows it served', async () => {
    const envelope = await createEnvelope({ configText: config(), env: {} });
    const { ciphertext, header } = await envelope.encrypt('three clouds, one server');
    expect(header.encryptedDataKeys.map((k) => k.providerId)).to.deep.equal([
      'aws-kms',
      'gcp-kms',
      'azure-kv',
    ]);
    expect(Buffer.from(header.encryptedDataKeys[2]!.providerInfo).toString()).to.match(
      new RegExp(`^${azureKey}/[0-9a-f]{32}$`),
    );

    for (const survivor of ['aws', 'gcp', 'azure'] as const) {
      const before = served();
      const outages = (Object.keys(down) as (keyof typeof down)[])
        .filter((cloud) => cloud !== survivor)
        .map((cloud) => down[cloud]());
      try {
        const reader = await createEnvelope({ configText: config(), env: {} });
        const { plaintext } = await reader.decrypt(ciphertext);
        expect(plaintext.toString(), `${survivor} alone`).to.equal('three clouds, one server');
      } finally {
        for (const outage of outages) outage.remove();
      }
      const after = served();
      for (const cloud of ['aws', 'gcp', 'azure'] as const) {
        expect(after[cloud] - before[cloud], `${cloud} served with ${survivor} alone up`).to.equal(
          cloud === survivor ? 1 : 0,
        );
      }
    }
  });

  it("with every cloud down, fails with one error naming each cloud's key and its cause", async () => {
    const envelope = await createEnvelope({ configText: config(), env: {} });
    const { ciphertext } = await envelope.encrypt('x');
    for (const cloud of Object.values(down)) cloud();
    const reader = await createEnvelope({ configText: config(), env: {} });
    const error = (await reader.decrypt(ciphertext).catch((e: Error) => e)) as Error;
    expect(error).to.be.instanceOf(Error);
    // One line per cloud: its provider and key, then the cause its SDK reported.
    const line = (prefix: string) =>
      error.message.split('\n').find((l) => l.startsWith(`  - ${prefix}`)) ?? '';
    expect(line(`aws-kms(${awsKeyArn})`)).to.match(/AWS KMS Decrypt with .* failed: .*socket hang up/);
    expect(line(`gcp-kms(${gcpKey})`)).to.match(/Cloud KMS Decrypt with .* failed: UNAVAILABLE/);
    expect(line(`azure-kv(${azureKey})`)).to.match(/Azure Key Vault unwrapKey with .* failed: ECONNRESET/);
  });
});
