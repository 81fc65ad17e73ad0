import { readFileSync } from 'node:fs';
import { CreateKeyCommand, DecryptCommand, EncryptCommand, KMSClient } from '@aws-sdk/client-kms';
import { CryptographyClient, KeyClient } from '@azure/keyvault-keys';
import { EmulatorCredential } from '@envelope/azure-keyvault';
import { gcpClientOptions } from '@envelope/gcp-kms';
import type { KmsServer, LogRecord } from '@envelope/kms-server';
import { KeyManagementServiceClient } from '@google-cloud/kms';
import { expect } from 'chai';
import { throughAzureProxy } from './support/azure-proxy.js';
import { startThreeCloudServer } from './support/three-clouds.js';

const ACCESS_KEY_ID = 'AKIDREQUESTLOG';
const SECRET_ACCESS_KEY = 'request-log-secret-access-key-0123456789';
const AWS_PLAINTEXT = 'aws-plaintext-that-must-not-be-logged';
const GCP_PLAINTEXT = 'gcp-plaintext-that-must-not-be-logged';
const AZURE_KEY_BYTES = Buffer.from('azure-data-key-that-must-not-be-logged');
const LOCATION = 'projects/logs/locations/europe-west1';
const GCP_KEY = `${LOCATION}/keyRings/ring/cryptoKeys/data`;

/** Remembers every bearer token it hands out, so the test can look for them in the log. */
class RecordingCredential extends EmulatorCredential {
  readonly tokens: string[] = [];
  override async getToken(...args: Parameters<EmulatorCredential['getToken']>) {
    const token = await super.getToken(...args);
    this.tokens.push(token.token);
    return token;
  }
}

describe('kms server request log: one line per request naming region, operation, key, error and duration', function () {
  this.timeout(60_000);
  let server: KmsServer;
  const logs: LogRecord[] = [];
  const requests = () => logs.filter((l) => l.msg === 'request' && l.operation !== undefined);

  before(async () => {
    server = await startThreeCloudServer('logvault', {
      accessKeys: {
        [ACCESS_KEY_ID]: {
          secretAccessKey: SECRET_ACCESS_KEY,
          principal: 'arn:aws:iam::111122223333:user/logger',
        },
      },
      log: (record) => logs.push(record),
    });
  });
  after(() => server?.close());
  beforeEach(() => {
    logs.length = 0;
  });

  it('AWS JSON: the listener line carries region, operation, key ARN and error code; no plaintext, blob or secret', async () => {
    const kms = new KMSClient({
      endpoint: server.url,
      region: 'eu-west-2',
      credentials: { accessKeyId: ACCESS_KEY_ID, secretAccessKey: SECRET_ACCESS_KEY },
      maxAttempts: 1,
    });
    const arn = (await kms.send(new CreateKeyCommand({}))).KeyMetadata!.Arn!;
    const { CiphertextBlob } = await kms.send(
      new EncryptCommand({ KeyId: arn, Plaintext: Buffer.from(AWS_PLAINTEXT) }),
    );
    await kms.send(new DecryptCommand({ CiphertextBlob }));
    const missing = 'arn:aws:kms:eu-west-2:111122223333:key/00000000-0000-0000-0000-000000000000';
    const failed = await kms
      .send(new EncryptCommand({ KeyId: missing, Plaintext: Buffer.from(AWS_PLAINTEXT) }))
      .catch((error: Error) => error);
    expect((failed as Error).name).to.equal('NotFoundException');

    const lines = requests();
    expect(lines.map((l) => l.operation)).to.deep.equal(['CreateKey', 'Encrypt', 'Decrypt', 'Encrypt']);
    expect(logs.filter((l) => l.msg === 'request')).to.have.length(4); // one line per request
    const [, encrypt, decrypt, notFound] = lines;
    expect(encrypt).to.include({
      endpoint: 'aws-json',
      service: 'aws',
      region: 'eu-west-2',
      key: arn,
      error: null,
      status: 200,
    });
    expect(encrypt!.ms).to.be.a('number');
    expect(decrypt).to.include({ key: arn, error: null });
    expect(notFound).to.include({
      region: 'eu-west-2',
      key: missing,
      error: 'NotFoundException',
      status: 400,
    });

    const text = JSON.stringify(logs);
    for (const secret of [
      AWS_PLAINTEXT,
      Buffer.from(AWS_PLAINTEXT).toString('base64'),
      Buffer.from(CiphertextBlob!).toString('base64'),
      SECRET_ACCESS_KEY,
    ]) {
      expect(text).not.to.include(secret);
    }
  });

  it('GCP REST and gRPC: each request names the location, method and resource; no plaintext or ciphertext', async () => {
    const rest = new KeyManagementServiceClient(
      gcpClientOptions({ endpoint: server.endpoints['gcp-rest']!.url, transport: 'rest' }),
    );
    const grpc = new KeyManagementServiceClient(
      gcpClientOptions({ endpoint: `127.0.0.1:${server.endpoints['gcp-grpc']!.port}` }),
    );
    await rest.createKeyRing({ parent: LOCATION, keyRingId: 'ring', keyRing: {} }, { retry: null });
    await rest.createCryptoKey(
      { parent: `${LOCATION}/keyRings/ring`, cryptoKeyId: 'data', cryptoKey: { purpose: 'ENCRYPT_DECRYPT' } },
      { retry: null },
    );
    const [viaRest] = await rest.encrypt({ name: GCP_KEY, plaintext: Buffer.from(GCP_PLAINTEXT) });
    const [viaGrpc] = await grpc.encrypt({ name: GCP_KEY, plaintext: Buffer.from(GCP_PLAINTEXT) });
    const missing = `${LOCATION}/keyRings/ring/cryptoKeys/absent`;
    const failed = await grpc
      .decrypt({ name: missing, ciphertext: viaGrpc.ciphertext }, { retry: null })
      .catch((error: Error) => error);
    expect(failed).to.be.instanceOf(Error);
    await Promise.all([rest.close(), grpc.close()]);

    const lines = requests();
    expect(lines.map((l) => l.operation)).to.deep.equal([
      'CreateKeyRing',
      'CreateCryptoKey',
      'Encrypt',
      'Encrypt',
      'Decrypt',
    ]);
    const [, , restEncrypt, grpcEncrypt, grpcDecrypt] = lines;
    expect(restEncrypt).to.include({ endpoint: 'gcp-rest', service: 'gcp', region: LOCATION, status: 200 });
    expect(restEncrypt!.key).to.match(new RegExp(`^${GCP_KEY}`));
    expect(grpcEncrypt).to.include({ service: 'gcp', region: LOCATION, error: null });
    expect(grpcEncrypt!.key).to.match(new RegExp(`^${GCP_KEY}`));
    expect(grpcEncrypt!.ms).to.be.a('number');
    expect(grpcDecrypt).to.include({ region: LOCATION, key: missing, error: 'NOT_FOUND' });

    const text = JSON.stringify(logs);
    for (const secret of [
      GCP_PLAINTEXT,
      Buffer.from(GCP_PLAINTEXT).toString('base64'),
      Buffer.from(viaRest.ciphertext as Uint8Array).toString('base64'),
      Buffer.from(viaGrpc.ciphertext as Uint8Array).toString('base64'),
    ]) {
      expect(text).not.to.include(secret);
    }
  });

  it('Azure Key Vault over HTTPS: each call names the vault, operation and key id; no key bytes or bearer token', async () => {
    const options = throughAzureProxy(
      server.endpoints['azure-https']!.url,
      readFileSync(server.azureCaPath!, 'utf8'),
    );
    const credential = new RecordingCredential();
    const keys = new KeyClient('https://logvault.vault.localhost', credential, options);
    const key = await keys.createRsaKey('data');
    const crypto = new CryptographyClient(key.id!, credential, options);
    const wrapped = await crypto.wrapKey('RSA-OAEP-256', AZURE_KEY_BYTES);
    const failed = await keys.getKey('absent').catch((error: Error) => error);
    expect(failed).to.be.instanceOf(Error);

    const lines = requests();
    const wrap = lines.find((l) => /wrap/i.test(String(l.operation)));
    expect(wrap, JSON.stringify(lines)).to.include({ service: 'azure', region: 'logvault', error: null });
    expect(String(wrap!.key)).to.match(/^logvault\/data\b/);
    expect(wrap!.ms).to.be.a('number');
    const notFound = lines.at(-1)!;
    expect(notFound).to.include({ service: 'azure', region: 'logvault' });
    expect(notFound.error)
      .to.be.a('string')
      .and.match(/NotFound/);

    expect(credential.tokens.length).to.be.greaterThan(0);
    const text = JSON.stringify(logs);
    for (const secret of [
      ...credential.tokens,
      AZURE_KEY_BYTES.toString('base64'),
      AZURE_KEY_BYTES.toString('base64url'),
      Buffer.from(wrapped.result).toString('base64url'),
    ]) {
      expect(text).not.to.include(secret);
    }
  });
});
