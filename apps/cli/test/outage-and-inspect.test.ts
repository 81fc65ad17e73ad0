import { randomBytes } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type EncryptionMaterials, encrypt, type Keyring, MultiKeyring, RawAesKeyring } from '@envelope/core';
import { expect } from 'chai';
import { type Run, runEnvelope } from './support/run-envelope.js';

function envelope(cwd: string, ...args: string[]): Promise<Run> {
  const env = {
    // an AWS key whose region is "down": credentials present, endpoint refusing connections
    AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
    AWS_SECRET_ACCESS_KEY: 'not-a-secret',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
  return runEnvelope({ cwd, env }, ...args);
}

const ARN = 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const GCP = 'projects/acme-prod/locations/europe-west1/keyRings/app/cryptoKeys/data';
const AZURE = 'https://contoso.vault.azure.net/keys/orders/0123456789abcdef0123456789abcdef';

/** Adds an EDK as a cloud keyring would write it (the ciphertext is opaque to inspect). */
class CloudEdk implements Keyring {
  constructor(
    readonly providerId: string,
    readonly info: string,
  ) {}
  get description() {
    return this.providerId;
  }
  async onEncrypt(m: EncryptionMaterials) {
    return m.addEncryptedDataKey({
      providerId: this.providerId,
      providerInfo: Buffer.from(this.info),
      ciphertext: randomBytes(40),
    });
  }
  async onDecrypt(m: never) {
    return m;
  }
}

describe('envelope inspect: provider, cloud and location of each wrapped key', () => {
  it('shows the AWS region, the Azure vault host and the raw key namespace/name', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'envelope-inspect-'));
    const keyring = new MultiKeyring({
      generator: new RawAesKeyring({ keyNamespace: 'dr', keyName: 'east', wrappingKey: randomBytes(32) }),
      children: [new CloudEdk('aws-kms', ARN), new CloudEdk('azure-kv', AZURE)],
    });
    await writeFile(join(dir, 'm.env'), (await encrypt('x', { keyring })).ciphertext);
    const json = await envelope(dir, 'inspect', 'm.env', '--json');
    expect(json.code, json.stderr).to.equal(0);
    expect(JSON.parse(json.stdout).encryptedDataKeys).to.deep.equal([
      { providerId: 'dr', key: 'east', cloud: 'local', location: 'dr/east' },
      { providerId: 'aws-kms', key: ARN, cloud: 'aws', location: 'eu-west-1' },
      { providerId: 'azure-kv', key: AZURE, cloud: 'azure', location: 'contoso.vault.azure.net' },
    ]);
    const human = await envelope(dir, 'inspect', 'm.env');
    expect(human.stdout).to.include(`aws-kms  aws  eu-west-1  ${ARN}`);
    expect(human.stdout).to.include(`azure-kv  azure  contoso.vault.azure.net  ${AZURE}`);
  });

  it('shows a Cloud KMS key as cloud gcp at projects/<p>/locations/<l>, and malformed provider info as such', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'envelope-inspect-gcp-'));
    const keyring = new MultiKeyring({
      generator: new RawAesKeyring({ keyNamespace: 'dr', keyName: 'east', wrappingKey: randomBytes(32) }),
      children: [new CloudEdk('gcp-kms', GCP), new CloudEdk('gcp-kms', 'projects/acme/keyRings/app')],
    });
    await writeFile(join(dir, 'm.env'), (await encrypt('x', { keyring })).ciphertext);
    const json = await envelope(dir, 'inspect', 'm.env', '--json');
    expect(json.code, json.stderr).to.equal(0);
    const malformed = '(malformed: provider info is not a CryptoKey name)';
    expect(JSON.parse(json.stdout).encryptedDataKeys.slice(1)).to.deep.equal([
      {
        providerId: 'gcp-kms',
        key: GCP,
        cloud: 'gcp',
        location: 'projects/acme-prod/locations/europe-west1',
      },
      { providerId: 'gcp-kms', key: 'projects/acme/keyRings/app', cloud: 'gcp', location: malformed },
    ]);
    const human = await envelope(dir, 'inspect', 'm.env');
    expect(human.code, human.stderr).to.equal(0);
    expect(human.stdout).to.include(`gcp-kms  gcp  projects/acme-prod/locations/europe-west1  ${GCP}`);
    expect(human.stdout).to.include(`gcp-kms  gcp  ${malformed}  projects/acme/keyRings/app`);
  });
});

describe('envelope inspect: malformed AWS KMS provider info', () => {
  it('shows an aws-kms key whose provider info is not an ARN as cloud aws, malformed, with the value', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'envelope-inspect-aws-'));
    const keyring = new MultiKeyring({
      generator: new RawAesKeyring({ keyNamespace: 'dr', keyName: 'east', wrappingKey: randomBytes(32) }),
      children: [new CloudEdk('aws-kms', 'arn:aws:kms:eu-west-1:1111:key/short-account')],
    });
    await writeFile(join(dir, 'm.env'), (await encrypt('x', { keyring })).ciphertext);
    const json = await envelope(dir, 'inspect', 'm.env', '--json');
    expect(json.code, json.stderr).to.equal(0);
    const malformed = '(malformed: provider info is not a KMS key ARN)';
    expect(JSON.parse(json.stdout).encryptedDataKeys[1]).to.deep.equal({
      providerId: 'aws-kms',
      key: 'arn:aws:kms:eu-west-1:1111:key/short-account',
      cloud: 'aws',
      location: malformed,
    });
    const human = await envelope(dir, 'inspect', 'm.env');
    expect(human.code, human.stderr).to.equal(0);
    expect(human.stdout).to.include(
      `aws-kms  aws  ${malformed}  arn:aws:kms:eu-west-1:1111:key/short-account`,
    );
  });
});

describe('envelope encrypt during an outage (multi minimumWraps)', () => {
  it('writes with the reachable keys and names the skipped key and its cause', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'envelope-outage-'));
    await writeFile(join(dir, 'east.key'), randomBytes(32));
    await writeFile(join(dir, 'data.txt'), 'written during an outage');
    const east = '{ type: raw-aes, keyNamespace: dr, keyName: east, key: { file: east.key } }';
    const down = `{ type: aws-kms, keyIds: ["${ARN}"], endpoint: "http://127.0.0.1:9", maxAttempts: 1, timeoutMs: 5000 }`;
    await writeFile(
      join(dir, 'quorum.yaml'),
      `keyring: { type: multi, generator: ${east}, children: [${down}], minimumWraps: 1 }\n`,
    );
    await writeFile(
      join(dir, 'strict.yaml'),
      `keyring: { type: multi, generator: ${east}, children: [${down}] }\n`,
    );
    await writeFile(join(dir, 'east.yaml'), `keyring: ${east}\n`);

    const strict = await envelope(dir, 'encrypt', 'data.txt', '-o', 'strict.env', '--config', 'strict.yaml');
    expect(strict.code).to.not.equal(0);

    const run = await envelope(
      dir,
      'encrypt',
      'data.txt',
      '-o',
      'm.env',
      '--config',
      'quorum.yaml',
      '--json',
    );
    expect(run.code, run.stderr).to.equal(0);
    const out = JSON.parse(run.stdout);
    expect(out.encryptedDataKeys.map((e: { key: string }) => e.key)).to.deep.equal(['east']);
    expect(out.skippedMasterKeys).to.have.length(1);
    expect(out.skippedMasterKeys[0].keyring).to.include(ARN);
    expect(out.skippedMasterKeys[0].reason).to.match(/ECONNREFUSED|connect/i);

    const human = await envelope(dir, 'encrypt', 'data.txt', '-o', 'm2.env', '--config', 'quorum.yaml');
    expect(human.code, human.stderr).to.equal(0);
    expect(`${human.stdout}${human.stderr}`).to.match(/warning: not wrapped by aws-kms\(.*\): /);

    const dec = await envelope(dir, 'decrypt', 'm.env', '-o', 'plain.txt', '--config', 'east.yaml');
    expect(dec.code, dec.stderr).to.equal(0);
  });
});
