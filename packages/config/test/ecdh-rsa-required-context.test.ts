import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEnvelope, inProcessEmulatorTarget } from '@envelope/config';
import { ConfigError, KeyringError, parseHeader } from '@envelope/core';
import { KmsEngine, MemoryResourceStore } from '@envelope/kms-emulator';
import { expect } from 'chai';

async function keyFiles() {
  const dir = await mkdtemp(join(tmpdir(), 'envelope-ecdh-'));
  const bob = generateKeyPairSync('ec', { namedCurve: 'secp384r1' });
  const files = {
    privatePem: join(dir, 'bob.pem'),
    publicDer: join(dir, 'bob.pub.der'),
    publicPem: join(dir, 'bob.pub.pem'),
  };
  await writeFile(files.privatePem, bob.privateKey.export({ format: 'pem', type: 'pkcs8' }));
  await writeFile(files.publicDer, bob.publicKey.export({ format: 'der', type: 'spki' }));
  await writeFile(files.publicPem, bob.publicKey.export({ format: 'pem', type: 'spki' }));
  return { dir, files };
}

describe('config: raw-ecdh, aws-kms-rsa, aws-kms-ecdh keyrings and requiredEncryptionContextKeys', () => {
  it('raw-ecdh: an ephemeral sender (DER or PEM public key file) to a discovery recipient (PEM private key file)', async () => {
    const { dir, files } = await keyFiles();
    const recipient = await createEnvelope({
      configFile: join(dir, 'recipient.yaml'),
      configText: `keyring: { type: raw-ecdh, curveSpec: ECC_NIST_P384, keyAgreementScheme: PublicKeyDiscovery, recipientStaticPrivateKey: { file: ${files.privatePem} } }`,
      env: {},
    });
    for (const publicKey of [files.publicDer, files.publicPem]) {
      const sender = await createEnvelope({
        configText: `keyring: { type: raw-ecdh, curveSpec: ECC_NIST_P384, keyAgreementScheme: EphemeralPrivateKeyToStaticPublicKey, recipientPublicKey: { file: ${publicKey} } }`,
        env: {},
      });
      const { ciphertext } = await sender.encrypt('to bob');
      expect((await recipient.decrypt(ciphertext)).plaintext.toString()).to.equal('to bob');
    }
  });

  it('raw-ecdh: options that do not fit the scheme are refused at their path', async () => {
    const error = await createEnvelope({
      configText:
        'keyring: { type: raw-ecdh, curveSpec: ECC_NIST_P384, keyAgreementScheme: PublicKeyDiscovery, recipientPublicKey: { env: X } }',
      env: {},
    }).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(ConfigError);
    expect((error as Error).message).to.match(/keyring/);
  });

  it('requiredEncryptionContextKeys: pairs authenticated but not stored; decrypt needs them back', async () => {
    const key = randomBytes(32).toString('base64');
    const envelope = await createEnvelope({
      configText:
        'keyring: { type: raw-aes, keyNamespace: app, keyName: k, key: { env: KEY } }\nrequiredEncryptionContextKeys: [tenant]',
      env: { KEY: key },
    });
    const { ciphertext } = await envelope.encrypt('secret', {
      encryptionContext: { tenant: 'acme', app: 'x' },
    });
    const stored = parseHeader(ciphertext, { maxEncryptedDataKeys: 5, maxFrameLength: 1 << 20 }).header
      .encryptionContext;
    expect(stored).to.not.have.property('tenant');
    const out = await envelope.decrypt(ciphertext, { encryptionContext: { tenant: 'acme' } });
    expect(out.plaintext.toString()).to.equal('secret');
    expect(await envelope.decrypt(ciphertext).catch((e: unknown) => e)).to.be.instanceOf(Error);
    const plain = await createEnvelope({
      configText: 'keyring: { type: raw-aes, keyNamespace: app, keyName: k, key: { env: KEY } }',
      env: { KEY: key },
    });
    expect(
      await plain.decrypt(ciphertext, { encryptionContext: { tenant: 'evil' } }).catch((e: unknown) => e),
    ).to.be.instanceOf(KeyringError);
    expect(
      (await plain.decrypt(ciphertext, { encryptionContext: { tenant: 'acme' } })).plaintext.toString(),
    ).to.equal('secret');
  });

  it('aws-kms-rsa and aws-kms-ecdh keyrings from config, against the in-process emulator', async () => {
    const engine = new KmsEngine({ store: new MemoryResourceStore(), rootKey: randomBytes(32) });
    const create = async (input: Record<string, unknown>) =>
      (
        (await engine.execute('CreateKey', input, engine.context('us-east-1'))) as {
          KeyMetadata: { Arn: string };
        }
      ).KeyMetadata.Arn;
    const rsa = await create({ KeySpec: 'RSA_2048', KeyUsage: 'ENCRYPT_DECRYPT' });
    const alice = await create({ KeySpec: 'ECC_NIST_P384', KeyUsage: 'KEY_AGREEMENT' });
    const { dir, files } = await keyFiles();
    const emulator = inProcessEmulatorTarget(engine);
    const envelope = await createEnvelope({
      configFile: join(dir, 'envelope.yaml'),
      configText: `
suite: 0x0478
keyring:
  type: multi
  generator: { type: aws-kms-rsa, keyId: "${rsa}", encryptionAlgorithm: RSAES_OAEP_SHA_256 }
  children:
    - type: aws-kms-ecdh
      curveSpec: ECC_NIST_P384
      keyAgreementScheme: KmsPrivateKeyToStaticPublicKey
      senderKmsIdentifier: "${alice}"
      recipientPublicKey: { file: ${files.publicDer} }
`,
      emulator,
    });
    const { ciphertext, header } = await envelope.encrypt('multi', { encryptionContext: { a: 'b' } });
    expect(header.encryptedDataKeys.map((e) => e.providerId)).to.deep.equal(['aws-kms-rsa', 'aws-kms-ecdh']);
    const bob = await createEnvelope({
      configText: `keyring: { type: raw-ecdh, curveSpec: ECC_NIST_P384, keyAgreementScheme: PublicKeyDiscovery, recipientStaticPrivateKey: { file: ${files.privatePem} } }`,
      env: {},
    });
    for (const reader of [envelope, bob]) {
      expect((await reader.decrypt(ciphertext)).plaintext.toString()).to.equal('multi');
    }
  });
});
