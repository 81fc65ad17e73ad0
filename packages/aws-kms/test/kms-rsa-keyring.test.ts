import { randomBytes } from 'node:crypto';
import { CreateKeyCommand, GetPublicKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { AWS_KMS_RSA_PROVIDER_ID, AwsKmsRsaKeyring, cachingClientSupplier } from '@envelope/aws-kms';
import {
  decrypt,
  encrypt,
  InvalidArgumentError,
  KeyringError,
  NoDataKeyError,
  parseHeader,
  providerInfoText,
  RequiredEncryptionContextMaterialsManager,
} from '@envelope/core';
import { KmsEngine, MemoryResourceStore } from '@envelope/kms-emulator';
import { createKmsRequestHandler } from '@envelope/kms-protocols';
import { expect } from 'chai';

const CREDENTIALS = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'not-a-secret' };

function emulator() {
  const engine = new KmsEngine({ store: new MemoryResourceStore(), rootKey: randomBytes(32) });
  const requestHandler = createKmsRequestHandler(engine);
  const clients = cachingClientSupplier({ credentials: CREDENTIALS, requestHandler, maxAttempts: 1 });
  const admin = new KMSClient({ region: 'us-west-2', credentials: CREDENTIALS, requestHandler });
  const createRsaKey = async (spec: 'RSA_2048' | 'RSA_3072' | 'RSA_4096' = 'RSA_2048') =>
    (await admin.send(new CreateKeyCommand({ KeySpec: spec, KeyUsage: 'ENCRYPT_DECRYPT' }))).KeyMetadata
      ?.Arn as string;
  return { clients, admin, createRsaKey };
}

async function rejection(promise: Promise<unknown>): Promise<Error> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, 'should have failed').to.be.instanceOf(Error);
  return error as Error;
}

describe('AWS KMS RSA keyring against the emulator', () => {
  for (const encryptionAlgorithm of ['RSAES_OAEP_SHA_1', 'RSAES_OAEP_SHA_256'] as const) {
    it(`${encryptionAlgorithm}: wraps locally with the fetched public key, unwraps with KMS Decrypt`, async () => {
      const kms = emulator();
      const keyId = await kms.createRsaKey('RSA_3072');
      const keyring = new AwsKmsRsaKeyring({ keyId, encryptionAlgorithm, clientSupplier: kms.clients });
      const plaintext = randomBytes(5000);
      for (const suiteId of [0x0478, 0x0178, 0x0014]) {
        const { ciphertext } = await encrypt(plaintext, {
          keyring,
          suiteId,
          encryptionContext: { app: 'ledger' },
          commitmentPolicy:
            suiteId === 0x0478 ? 'require-encrypt-require-decrypt' : 'forbid-encrypt-allow-decrypt',
        });
        const [edk] = parseHeader(ciphertext, { maxEncryptedDataKeys: 5, maxFrameLength: 1 << 20 }).header
          .encryptedDataKeys;
        expect(edk?.providerId).to.equal(AWS_KMS_RSA_PROVIDER_ID);
        expect(edk && providerInfoText(edk)).to.equal(keyId);
        expect(edk?.ciphertext.length).to.equal(384); // one RSA-3072 block
        const out = await decrypt(ciphertext, { keyring, commitmentPolicy: 'forbid-encrypt-allow-decrypt' });
        expect(out.plaintext.equals(plaintext)).to.equal(true);
      }
    });
  }

  it('encrypts with a configured public key and no KMS client; only KMS can decrypt', async () => {
    const kms = emulator();
    const keyId = await kms.createRsaKey();
    const { PublicKey } = await kms.admin.send(new GetPublicKeyCommand({ KeyId: keyId }));
    const offline = new AwsKmsRsaKeyring({
      keyId,
      encryptionAlgorithm: 'RSAES_OAEP_SHA_256',
      publicKey: PublicKey as Uint8Array,
    });
    const { ciphertext } = await encrypt('offline', { keyring: offline, suiteId: 0x0478 });
    const error = await rejection(decrypt(ciphertext, { keyring: offline }));
    expect(error).to.be.instanceOf(KeyringError);
    expect(error.message).to.match(/no clientSupplier/);
    const online = new AwsKmsRsaKeyring({
      keyId,
      encryptionAlgorithm: 'RSAES_OAEP_SHA_256',
      clientSupplier: kms.clients,
    });
    expect((await decrypt(ciphertext, { keyring: online })).plaintext.toString()).to.equal('offline');
  });

  it('refuses a wrong encryption context digest, a tampered EDK, and another key', async () => {
    const kms = emulator();
    const keyId = await kms.createRsaKey();
    const keyring = new AwsKmsRsaKeyring({
      keyId,
      encryptionAlgorithm: 'RSAES_OAEP_SHA_256',
      clientSupplier: kms.clients,
    });
    const manager = new RequiredEncryptionContextMaterialsManager({
      keyring,
      requiredEncryptionContextKeys: ['tenant'],
    });
    const { ciphertext } = await encrypt('bound', {
      materialsManager: manager,
      suiteId: 0x0478,
      encryptionContext: { tenant: 'acme' },
    });
    expect(
      (await decrypt(ciphertext, { keyring, encryptionContext: { tenant: 'acme' } })).plaintext.toString(),
    ).to.equal('bound');
    // KMS decrypts the EDK, but the context digest inside it names another context.
    const wrong = await rejection(decrypt(ciphertext, { keyring, encryptionContext: { tenant: 'evil' } }));
    expect(wrong).to.be.instanceOf(KeyringError);
    expect(wrong.message).to.match(/encryption context does not match/);

    const edk = parseHeader(ciphertext, { maxEncryptedDataKeys: 5, maxFrameLength: 1 << 20 }).header
      .encryptedDataKeys[0];
    const at = ciphertext.indexOf(edk?.ciphertext as Buffer);
    const tampered = Buffer.from(ciphertext);
    (tampered[at + 5] as number) ^= 1;
    expect(
      await rejection(decrypt(tampered, { keyring, encryptionContext: { tenant: 'acme' } })),
    ).to.be.instanceOf(KeyringError);
    const other = new AwsKmsRsaKeyring({
      keyId: await kms.createRsaKey(),
      encryptionAlgorithm: 'RSAES_OAEP_SHA_256',
      clientSupplier: kms.clients,
    });
    expect(
      await rejection(decrypt(ciphertext, { keyring: other, encryptionContext: { tenant: 'acme' } })),
    ).to.be.instanceOf(NoDataKeyError);
  });

  it('refuses signed suites, aliases, unknown algorithms and keys that are not RSA encryption keys', async () => {
    const kms = emulator();
    const keyId = await kms.createRsaKey();
    const keyring = new AwsKmsRsaKeyring({
      keyId,
      encryptionAlgorithm: 'RSAES_OAEP_SHA_1',
      clientSupplier: kms.clients,
    });
    expect(await rejection(encrypt('x', { keyring }))).to.be.instanceOf(InvalidArgumentError); // default 0x0578 is signed
    const make = (options: object) => () =>
      new AwsKmsRsaKeyring({
        keyId,
        encryptionAlgorithm: 'RSAES_OAEP_SHA_1',
        clientSupplier: kms.clients,
        ...options,
      });
    expect(make({ keyId: 'alias/my-key' })).to.throw(InvalidArgumentError, /ARN/);
    expect(make({ encryptionAlgorithm: 'SYMMETRIC_DEFAULT' })).to.throw(InvalidArgumentError, /RSAES_OAEP/);
    expect(make({ clientSupplier: undefined })).to.throw(InvalidArgumentError);
    const symmetric = (await kms.admin.send(new CreateKeyCommand({}))).KeyMetadata?.Arn as string;
    const wrongKey = new AwsKmsRsaKeyring({
      keyId: symmetric,
      encryptionAlgorithm: 'RSAES_OAEP_SHA_1',
      clientSupplier: kms.clients,
    });
    expect(await rejection(encrypt('x', { keyring: wrongKey, suiteId: 0x0478 }))).to.be.instanceOf(
      KeyringError,
    );
  });
});
