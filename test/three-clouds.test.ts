import { createEnvelope } from '@envelope/config';
import { sharedEmulator } from '@envelope/config/emulator';
import type { KmsServer } from '@envelope/kms-server';
import { expect } from 'chai';
import { type CloudPlaces, startThreeCloudServer, ThreeCloudKeys } from './support/three-clouds.js';

const REGION = 'eu-west-1';
const PLACES: CloudPlaces = {
  region: REGION,
  location: 'projects/envelope-dr/locations/europe-west1',
  vault: 'drvault',
};

/**
 * Disaster recovery across three clouds, in-process: one config whose multi-keyring wraps each data
 * key under an AWS KMS key, a Cloud KMS key and a Key Vault key, all in the process's shared emulator.
 */
describe('three clouds: one message, any one cloud decrypts it (in-process emulator)', () => {
  let keys: ThreeCloudKeys;
  const emulator = sharedEmulator();
  const core = () => emulator.engine.core;

  before(async () => {
    await emulator.reset({ forgetSeeds: true });
    keys = await ThreeCloudKeys.create(() => emulator.engine, PLACES);
  });
  afterEach(() => core().faults.clear());

  const config = (options: { minimumWraps?: number } = {}) => keys.config('true', options);

  it('wraps the data key under all three clouds, and each cloud alone decrypts', async () => {
    const envelope = await createEnvelope({ configText: config(), env: {} });
    const { ciphertext, header } = await envelope.encrypt('three clouds, one message');
    expect(header.encryptedDataKeys.map((k) => k.providerId)).to.deep.equal([
      'aws-kms',
      'gcp-kms',
      'azure-kv',
    ]);

    for (const survivor of ['aws', 'gcp', 'azure'] as const) {
      const outages = keys.allDownBut(survivor);
      const reader = await createEnvelope({ configText: config(), env: {} });
      const { plaintext } = await reader.decrypt(ciphertext);
      expect(plaintext.toString(), `${survivor} alone`).to.equal('three clouds, one message');
      for (const outage of outages) outage.remove();
    }

    // Who served: each cloud's own audit log shows its decrypt succeeding.
    const served = keys.served();
    expect(served.aws).to.be.greaterThan(0);
    expect(served.gcp).to.be.greaterThan(0);
    expect(served.azure).to.be.greaterThan(0);
  });

  it('with every cloud down, fails with one error naming each cloud and its cause', async () => {
    const envelope = await createEnvelope({ configText: config(), env: {} });
    const { ciphertext } = await envelope.encrypt('x');
    keys.allDownBut();
    const reader = await createEnvelope({ configText: config(), env: {} });
    const error = await reader.decrypt(ciphertext).catch((e: Error) => e);
    expect(error).to.be.instanceOf(Error);
    const text = String((error as Error).message);
    expect(text).to.include(keys.awsKeyArn);
    expect(text).to.include(keys.gcpKey);
    expect(text).to.include(`${PLACES.vault}.vault.localhost`);
  });

  it('writes during an outage with minimumWraps, recording the cloud it skipped', async () => {
    const outage = keys.down('azure');
    const envelope = await createEnvelope({ configText: config({ minimumWraps: 2 }), env: {} });
    const { ciphertext, skippedMasterKeys, header } = await envelope.encrypt('written with one cloud down');
    expect(header.encryptedDataKeys.map((k) => k.providerId)).to.deep.equal(['aws-kms', 'gcp-kms']);
    expect(skippedMasterKeys.map((s) => s.keyring).join(' ')).to.include(PLACES.vault);
    outage.remove();
    const gcpOnly = keys.allDownBut('gcp');
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
  let server: KmsServer;
  let keys: ThreeCloudKeys;
  const places: CloudPlaces = {
    region: REGION,
    location: 'projects/envelope-dr/locations/us-central1',
    vault: 'srvdrvault',
  };

  before(async () => {
    server = await startThreeCloudServer(places.vault);
    keys = await ThreeCloudKeys.create(() => server.engine, places);
  });
  after(() => server.close());
  afterEach(() => server.engine.core.faults.clear());

  const config = () => keys.config(`{ url: ${server.url} }`);
  /** Successful decrypts each cloud's own log records, by cloud. */

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
      new RegExp(`^${keys.azureKey}/[0-9a-f]{32}$`),
    );

    for (const survivor of ['aws', 'gcp', 'azure'] as const) {
      const before = keys.served();
      const outages = keys.allDownBut(survivor);
      try {
        const reader = await createEnvelope({ configText: config(), env: {} });
        const { plaintext } = await reader.decrypt(ciphertext);
        expect(plaintext.toString(), `${survivor} alone`).to.equal('three clouds, one server');
      } finally {
        for (const outage of outages) outage.remove();
      }
      const after = keys.served();
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
    keys.allDownBut();
    const reader = await createEnvelope({ configText: config(), env: {} });
    const error = (await reader.decrypt(ciphertext).catch((e: Error) => e)) as Error;
    expect(error).to.be.instanceOf(Error);
    // One line per cloud: its provider and key, then the cause its SDK reported.
    const line = (prefix: string) =>
      error.message.split('\n').find((l) => l.startsWith(`  - ${prefix}`)) ?? '';
    expect(line(`aws-kms(${keys.awsKeyArn})`)).to.match(/AWS KMS Decrypt with .* failed: .*socket hang up/);
    expect(line(`gcp-kms(${keys.gcpKey})`)).to.match(/Cloud KMS Decrypt with .* failed: UNAVAILABLE/);
    expect(line(`azure-kv(${keys.azureKey})`)).to.match(
      /Azure Key Vault unwrapKey with .* failed: ECONNRESET/,
    );
  });
});
