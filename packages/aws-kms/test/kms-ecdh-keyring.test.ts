import { generateKeyPairSync, randomBytes } from 'node:crypto';
import {
  CreateKeyCommand,
  type CreateKeyCommandInput,
  GetPublicKeyCommand,
  KMSClient,
} from '@aws-sdk/client-kms';
import { AwsKmsEcdhKeyring, AwsKmsKeyring, AwsKmsRsaKeyring, cachingClientSupplier } from '@envelope/aws-kms';
import {
  decrypt,
  type EcdhCurveSpec,
  encrypt,
  InvalidArgumentError,
  KeyringError,
  KMS_ECDH_PROVIDER_ID,
  MultiKeyring,
  NoDataKeyError,
  parseHeader,
  RawEcdhKeyring,
} from '@envelope/core';
import { KmsEngine, MemoryResourceStore } from '@envelope/kms-emulator';
import { createKmsRequestHandler } from '@envelope/kms-protocols';
import { expect } from 'chai';

const CREDENTIALS = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'not-a-secret' };
const OPENSSL = {
  ECC_NIST_P256: 'prime256v1',
  ECC_NIST_P384: 'secp384r1',
  ECC_NIST_P521: 'secp521r1',
} as const;

function emulator() {
  const engine = new KmsEngine({ store: new MemoryResourceStore(), rootKey: randomBytes(32) });
  const requestHandler = createKmsRequestHandler(engine);
  const clients = cachingClientSupplier({ credentials: CREDENTIALS, requestHandler, maxAttempts: 1 });
  const admin = new KMSClient({ region: 'eu-west-1', credentials: CREDENTIALS, requestHandler });
  const createKey = async (input: CreateKeyCommandInput) =>
    (await admin.send(new CreateKeyCommand(input))).KeyMetadata?.Arn as string;
  const publicKey = async (KeyId: string) =>
    Buffer.from((await admin.send(new GetPublicKeyCommand({ KeyId }))).PublicKey as Uint8Array);
  return { clients, createKey, publicKey };
}

async function rejection(promise: Promise<unknown>): Promise<Error> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, 'should have failed').to.be.instanceOf(Error);
  return error as Error;
}

describe('AWS KMS ECDH keyring against the emulator', () => {
  for (const curveSpec of ['ECC_NIST_P256', 'ECC_NIST_P384', 'ECC_NIST_P521'] as EcdhCurveSpec[]) {
    it(`${curveSpec}: KMS sender to KMS recipient; both parties and the recipient's discovery keyring decrypt`, async () => {
      const kms = emulator();
      const alice = await kms.createKey({ KeySpec: curveSpec, KeyUsage: 'KEY_AGREEMENT' });
      const bob = await kms.createKey({ KeySpec: curveSpec, KeyUsage: 'KEY_AGREEMENT' });
      const aliceToBob = new AwsKmsEcdhKeyring({
        keyAgreementScheme: 'KmsPrivateKeyToStaticPublicKey',
        curveSpec,
        senderKmsIdentifier: alice,
        recipientPublicKey: await kms.publicKey(bob),
        clientSupplier: kms.clients,
      });
      const bobToAlice = new AwsKmsEcdhKeyring({
        keyAgreementScheme: 'KmsPrivateKeyToStaticPublicKey',
        curveSpec,
        senderKmsIdentifier: bob,
        senderPublicKey: await kms.publicKey(bob),
        recipientPublicKey: await kms.publicKey(alice),
        clientSupplier: kms.clients,
      });
      const bobDiscovery = new AwsKmsEcdhKeyring({
        keyAgreementScheme: 'KmsPublicKeyDiscovery',
        curveSpec,
        recipientKmsIdentifier: bob,
        clientSupplier: kms.clients,
      });
      const plaintext = randomBytes(3000);
      for (const suiteId of [0x0478, 0x0578]) {
        const { ciphertext } = await encrypt(plaintext, {
          keyring: aliceToBob,
          suiteId,
          encryptionContext: { a: 'b' },
        });
        const [edk] = parseHeader(ciphertext, { maxEncryptedDataKeys: 5, maxFrameLength: 1 << 20 }).header
          .encryptedDataKeys;
        expect(edk?.providerId).to.equal(KMS_ECDH_PROVIDER_ID);
        for (const keyring of [aliceToBob, bobToAlice, bobDiscovery]) {
          expect((await decrypt(ciphertext, { keyring })).plaintext.equals(plaintext)).to.equal(true);
        }
      }
    });
  }

  it('interoperates with raw ECDH: a KMS sender to a local key, and an ephemeral sender to a KMS key', async () => {
    const kms = emulator();
    const kmsKey = await kms.createKey({ KeySpec: 'ECC_NIST_P384', KeyUsage: 'KEY_AGREEMENT' });
    const local = generateKeyPairSync('ec', { namedCurve: OPENSSL.ECC_NIST_P384 });
    const toLocal = new AwsKmsEcdhKeyring({
      keyAgreementScheme: 'KmsPrivateKeyToStaticPublicKey',
      curveSpec: 'ECC_NIST_P384',
      senderKmsIdentifier: kmsKey,
      recipientPublicKey: local.publicKey,
      clientSupplier: kms.clients,
    });
    const localDiscovery = new RawEcdhKeyring({
      keyAgreementScheme: 'PublicKeyDiscovery',
      curveSpec: 'ECC_NIST_P384',
      recipientStaticPrivateKey: local.privateKey,
    });
    const one = await encrypt('to local', { keyring: toLocal });
    expect((await decrypt(one.ciphertext, { keyring: localDiscovery })).plaintext.toString()).to.equal(
      'to local',
    );

    const ephemeral = new RawEcdhKeyring({
      keyAgreementScheme: 'EphemeralPrivateKeyToStaticPublicKey',
      curveSpec: 'ECC_NIST_P384',
      recipientPublicKey: await kms.publicKey(kmsKey),
    });
    const kmsDiscovery = new AwsKmsEcdhKeyring({
      keyAgreementScheme: 'KmsPublicKeyDiscovery',
      curveSpec: 'ECC_NIST_P384',
      recipientKmsIdentifier: kmsKey,
      clientSupplier: kms.clients,
    });
    const two = await encrypt('to kms', { keyring: ephemeral });
    expect((await decrypt(two.ciphertext, { keyring: kmsDiscovery })).plaintext.toString()).to.equal(
      'to kms',
    );
  });

  it('a multi-keyring mixes ECDH recipients with AWS KMS symmetric and RSA keys; each decrypts alone', async () => {
    const kms = emulator();
    const symmetric = await kms.createKey({});
    const rsa = await kms.createKey({ KeySpec: 'RSA_2048', KeyUsage: 'ENCRYPT_DECRYPT' });
    const kmsEcdh = await kms.createKey({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'KEY_AGREEMENT' });
    const local = generateKeyPairSync('ec', { namedCurve: OPENSSL.ECC_NIST_P256 });
    const keyrings = {
      symmetric: new AwsKmsKeyring({ generatorKeyId: symmetric, clientSupplier: kms.clients }),
      rsa: new AwsKmsRsaKeyring({
        keyId: rsa,
        encryptionAlgorithm: 'RSAES_OAEP_SHA_256',
        clientSupplier: kms.clients,
      }),
      rawEcdh: new RawEcdhKeyring({
        keyAgreementScheme: 'EphemeralPrivateKeyToStaticPublicKey',
        curveSpec: 'ECC_NIST_P256',
        recipientPublicKey: local.publicKey,
      }),
      kmsEcdh: new AwsKmsEcdhKeyring({
        keyAgreementScheme: 'KmsPrivateKeyToStaticPublicKey',
        curveSpec: 'ECC_NIST_P256',
        senderKmsIdentifier: kmsEcdh,
        recipientPublicKey: local.publicKey,
        clientSupplier: kms.clients,
      }),
    };
    const multi = new MultiKeyring({
      generator: keyrings.symmetric,
      children: [keyrings.rsa, keyrings.rawEcdh, keyrings.kmsEcdh],
    });
    const plaintext = randomBytes(10_000);
    const { ciphertext, header } = await encrypt(plaintext, {
      keyring: multi,
      suiteId: 0x0478,
      encryptionContext: { dr: 'yes' },
    });
    expect(header.encryptedDataKeys.map((e) => e.providerId)).to.deep.equal([
      'aws-kms',
      'aws-kms-rsa',
      'raw-ecdh',
      'aws-kms-ecdh',
    ]);
    const readers = [
      keyrings.symmetric,
      keyrings.rsa,
      keyrings.kmsEcdh,
      new RawEcdhKeyring({
        keyAgreementScheme: 'PublicKeyDiscovery',
        curveSpec: 'ECC_NIST_P256',
        recipientStaticPrivateKey: local.privateKey,
      }),
    ];
    for (const keyring of readers) {
      expect((await decrypt(ciphertext, { keyring })).plaintext.equals(plaintext)).to.equal(true);
    }
  });

  it('refuses discovery on encrypt, a non-KEY_AGREEMENT key, a tampered EDK and a stranger', async () => {
    const kms = emulator();
    const key = await kms.createKey({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'KEY_AGREEMENT' });
    const signing = await kms.createKey({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' });
    const peer = generateKeyPairSync('ec', { namedCurve: OPENSSL.ECC_NIST_P256 });
    const discovery = new AwsKmsEcdhKeyring({
      keyAgreementScheme: 'KmsPublicKeyDiscovery',
      curveSpec: 'ECC_NIST_P256',
      recipientKmsIdentifier: key,
      clientSupplier: kms.clients,
    });
    expect(await rejection(encrypt('x', { keyring: discovery }))).to.be.instanceOf(InvalidArgumentError);
    const wrongKey = new AwsKmsEcdhKeyring({
      keyAgreementScheme: 'KmsPrivateKeyToStaticPublicKey',
      curveSpec: 'ECC_NIST_P256',
      senderKmsIdentifier: signing,
      recipientPublicKey: peer.publicKey,
      clientSupplier: kms.clients,
    });
    const usage = await rejection(encrypt('x', { keyring: wrongKey }));
    expect(usage).to.be.instanceOf(KeyringError);
    expect(usage.message).to.match(/KEY_AGREEMENT/);

    const sender = new RawEcdhKeyring({
      keyAgreementScheme: 'EphemeralPrivateKeyToStaticPublicKey',
      curveSpec: 'ECC_NIST_P256',
      recipientPublicKey: await kms.publicKey(key),
    });
    const { ciphertext } = await encrypt('x', { keyring: sender, suiteId: 0x0478 });
    const [edk] = parseHeader(ciphertext, { maxEncryptedDataKeys: 5, maxFrameLength: 1 << 20 }).header
      .encryptedDataKeys;
    const at = ciphertext.indexOf(edk?.ciphertext as Buffer);
    const tampered = Buffer.from(ciphertext);
    (tampered[at + 3] as number) ^= 1; // the salt: another wrapping key, so the commitment check fails
    expect(await rejection(decrypt(tampered, { keyring: discovery }))).to.be.instanceOf(KeyringError);
    const stranger = new AwsKmsEcdhKeyring({
      keyAgreementScheme: 'KmsPublicKeyDiscovery',
      curveSpec: 'ECC_NIST_P256',
      recipientKmsIdentifier: await kms.createKey({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'KEY_AGREEMENT' }),
      clientSupplier: kms.clients,
    });
    expect(await rejection(decrypt(ciphertext, { keyring: stranger }))).to.be.instanceOf(NoDataKeyError);
  });
});
