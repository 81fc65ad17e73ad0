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
 * AWS + GCP against one `envelope kms serve`-style server, the config switch given only its URL: the
 * GCP keyring finds the server's Cloud KMS face itself (GET /_envelope/endpoints).
 */
describe('AWS + GCP against one emulator server through the switch URL', () => {
  let server: import('@envelope/kms-server').KmsServer;
  let awsKeyArn: string;
  const location = 'projects/envelope-dr/locations/us-central1';
  const gcpKey = `${location}/keyRings/dr/cryptoKeys/data`;

  before(async () => {
    const { createKmsServer } = await import('@envelope/kms-server');
    server = await createKmsServer({ inMemory: true, port: 0, gcp: { grpcPort: 0, restPort: 0 } });
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
`;

  it('lists every endpoint at GET /_envelope/endpoints', async () => {
    const body = (await (await fetch(`${server.url}/_envelope/endpoints`)).json()) as {
      endpoints: Record<string, { port: number }>;
    };
    expect(Object.keys(body.endpoints).sort()).to.deep.equal(['aws-json', 'gcp-grpc', 'gcp-rest']);
    expect(body.endpoints['gcp-grpc']!.port).to.equal(server.endpoints['gcp-grpc']!.port);
  });

  it('encrypts once; each cloud alone decrypts while the other is down, and its audit log shows it served', async () => {
    const envelope = await createEnvelope({ configText: config(), env: {} });
    const { ciphertext, header } = await envelope.encrypt('aws and gcp');
    expect(header.encryptedDataKeys.map((k) => k.providerId)).to.deep.equal(['aws-kms', 'gcp-kms']);

    const gcpDown = server.engine.core.faults.down('gcp', location);
    const byAws = await (await createEnvelope({ configText: config(), env: {} })).decrypt(ciphertext);
    expect(byAws.plaintext.toString()).to.equal('aws and gcp');
    gcpDown.remove();
    const awsDecrypts = server.engine.auditLog({}).filter((e) => e.eventName === 'Decrypt' && !e.errorCode);
    expect(awsDecrypts).to.have.length(1);

    const awsDown = server.engine.core.faults.down('aws', REGION);
    const byGcp = await (await createEnvelope({ configText: config(), env: {} })).decrypt(ciphertext);
    expect(byGcp.plaintext.toString()).to.equal('aws and gcp');
    awsDown.remove();
    const gcpDecrypts = new GcpKmsService(server.engine.core)
      .auditLog()
      .filter(
        (e) => String(e.protoPayload?.methodName ?? '').endsWith('.Decrypt') && !e.protoPayload?.status,
      );
    expect(gcpDecrypts.length).to.equal(1);
  });
});
