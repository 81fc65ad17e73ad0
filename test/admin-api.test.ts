import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { CryptographyClient, KeyClient } from '@azure/keyvault-keys';
import { createEnvelope } from '@envelope/config';
import { GcpKmsService } from '@envelope/kms-emulator';
import type { KmsServer } from '@envelope/kms-server';
import { EmulatorAdmin } from '@envelope/testing';
import { expect } from 'chai';
import { emulatorCredential } from './azure-keyvault-suite.js';
import { throughAzureProxy } from './support/azure-proxy.js';
import { type CloudPlaces, startThreeCloudServer, ThreeCloudKeys } from './support/three-clouds.js';

const REGION = 'us-east-1';
const LOCATION = 'projects/admin-api/locations/europe-west1';
const VAULT = 'adminvault';
const PLACES: CloudPlaces = { region: REGION, location: LOCATION, vault: VAULT, keyRing: 'ring' };

/** Prometheus text → sample value by `name{label="value",…}` exactly as exposed. */
function samples(text: string): (name: string, labels: Record<string, string>) => number {
  const values = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    values.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return (name, labels) => {
    const body = Object.entries(labels)
      .map(([label, value]) => `${label}="${value}"`)
      .join(',');
    return values.get(body ? `${name}{${body}}` : name) ?? 0;
  };
}

/**
 * The admin API of one server emulating all three clouds, driven by the official SDKs over their
 * real transports (AWS JSON over HTTP, Cloud KMS through the gcp-kms keyring, Key Vault over HTTPS
 * through the CONNECT proxy) and read with the typed client from @envelope/testing.
 */
describe('admin API of a three-cloud server, through the typed client', function () {
  this.timeout(120_000);
  let server: KmsServer;
  let admin: EmulatorAdmin;
  let keys: ThreeCloudKeys;
  let azureKeys: KeyClient;
  let azureOptions: ConstructorParameters<typeof KeyClient>[2];
  const credential = emulatorCredential();

  before(async () => {
    server = await startThreeCloudServer(VAULT);
    admin = new EmulatorAdmin(server.url);
    azureOptions = throughAzureProxy(
      server.endpoints['azure-https']!.url,
      readFileSync(server.azureCaPath!, 'utf8'),
    );
    azureKeys = new KeyClient(`https://${VAULT}.vault.localhost`, credential, azureOptions);
  });
  after(() => server.close());

  // The Key Vault key is made through the SDK in the test: the audit log checked below is its calls.
  const setUp = async () => {
    keys = await ThreeCloudKeys.create(() => server.engine, PLACES, { azure: false });
  };
  const config = () => keys.config(`{ url: ${server.url} }`, { clouds: ['aws', 'gcp'] });

  it('counts every cloud’s calls in /metrics, lists them in the audit log, and resets them all', async () => {
    await setUp();
    const earlier = samples(await admin.metrics());
    const envelope = await createEnvelope({ configText: config(), env: {} });
    const secret = `admin api ${randomBytes(8).toString('hex')}`;
    await envelope.encrypt(secret);
    const key = await azureKeys.createRsaKey('wrapper');
    const wrapped = await new CryptographyClient(key.id!, credential, azureOptions).wrapKey(
      'RSA-OAEP-256',
      Buffer.from(secret),
    );
    const later = samples(await admin.metrics());

    const moved = (labels: Record<string, string>) =>
      later('envelope_kms_requests_total', labels) - earlier('envelope_kms_requests_total', labels);
    const ok = { code: 'OK', http_status: '200' };
    expect(moved({ cloud: 'aws', operation: 'GenerateDataKey', location: REGION, ...ok })).to.equal(1);
    expect(moved({ cloud: 'gcp', operation: 'Encrypt', location: LOCATION, ...ok })).to.equal(1);
    expect(moved({ cloud: 'azure', operation: 'createKey', location: VAULT, ...ok })).to.equal(1);
    expect(moved({ cloud: 'azure', operation: 'wrapKey', location: VAULT, ...ok })).to.equal(1);
    const count = (labels: Record<string, string>) =>
      later('envelope_kms_request_duration_seconds_count', labels) -
      earlier('envelope_kms_request_duration_seconds_count', labels);
    expect(count({ cloud: 'gcp', operation: 'Encrypt', location: LOCATION })).to.equal(1);
    expect(count({ cloud: 'azure', operation: 'wrapKey', location: VAULT })).to.equal(1);

    // The SDK's CryptographyClient reads the key (KeyGet) before it wraps.
    const azure = await admin.auditAll({ cloud: 'azure' });
    expect(azure.map((e) => (e.cloud === 'azure' ? e.event.operationName : e.cloud))).to.deep.equal([
      'KeyCreate',
      'KeyGet',
      'KeyWrap',
    ]);
    const gcp = await admin.auditAll({ cloud: 'gcp', operation: 'Encrypt', key: keys.gcpKey });
    expect(gcp).to.have.length(1);
    const aws = await admin.auditAll({ key: keys.awsKeyArn, operation: 'GenerateDataKey' });
    expect(aws.map((e) => e.cloud)).to.deep.equal(['aws']);
    const everything = JSON.stringify(await admin.auditAll());
    for (const form of ['utf8', 'base64', 'base64url'] as const) {
      expect(everything).not.to.contain(Buffer.from(secret).toString(form));
    }
    expect(everything).not.to.contain(Buffer.from(wrapped.result).toString('base64url'));

    await admin.faults.inject({ down: { service: 'azure', location: VAULT } });
    await admin.reset();
    expect(await admin.faults.list()).to.deep.equal([]);
    expect(await admin.auditAll()).to.deep.equal([]);
    const gone = await azureKeys.getKey('wrapper').catch((error: { statusCode?: number }) => error);
    expect(gone).to.have.property('statusCode', 404);
    const ring = await new GcpKmsService(server.engine.core)
      .invoke('GetKeyRing', { name: `${LOCATION}/keyRings/ring` })
      .catch((error: Error) => error);
    expect(ring).to.have.property('status', 'NOT_FOUND');
  });
});
