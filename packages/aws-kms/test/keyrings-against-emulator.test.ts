import { randomBytes } from 'node:crypto';
import {
  CommitmentPolicy as AwsCommitmentPolicy,
  buildClient,
  getClient,
  KMS,
  KmsKeyringNode,
} from '@aws-crypto/client-node';
import { CreateKeyCommand, KMSClient, ReplicateKeyCommand } from '@aws-sdk/client-kms';
import { AwsKmsDiscoveryKeyring, AwsKmsKeyring, cachingClientSupplier } from '@envelope/aws-kms';
import {
  decrypt,
  encrypt,
  KeyringError,
  MultiKeyring,
  NoDataKeyError,
  providerInfoText,
} from '@envelope/core';
import { KmsEngine, MemoryResourceStore } from '@envelope/kms-emulator';
import { createKmsRequestHandler } from '@envelope/kms-protocols';
import { expect } from 'chai';

const CREDENTIALS = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'not-a-secret' };
const REGIONS = ['us-east-1', 'eu-west-1', 'ap-southeast-2'] as const;

function emulator() {
  const engine = new KmsEngine({ store: new MemoryResourceStore(), rootKey: randomBytes(32) });
  const requestHandler = createKmsRequestHandler(engine);
  // maxAttempts 1: the SDK's own retries off, so the keyring's retry behaviour is what is tested.
  const clients = cachingClientSupplier({ credentials: CREDENTIALS, requestHandler, maxAttempts: 1 });
  const admin = (region: string) => new KMSClient({ region, credentials: CREDENTIALS, requestHandler });
  const createKey = async (region: string, multiRegion = false) => {
    const out = await admin(region).send(new CreateKeyCommand({ MultiRegion: multiRegion }));
    return out.KeyMetadata!.Arn!;
  };
  return { engine, requestHandler, clients, admin, createKey };
}

describe('AWS KMS keyrings against the emulator', () => {
  const plaintext = randomBytes(10_000);

  describe('strict keyring', () => {
    it('generates with one key, wraps with another, and either decrypts', async () => {
      const kms = emulator();
      const generator = await kms.createKey('us-east-1');
      const backup = await kms.createKey('eu-west-1');
      const keyring = new AwsKmsKeyring({
        generatorKeyId: generator,
        keyIds: [backup],
        clientSupplier: kms.clients,
      });
      const { ciphertext, header } = await encrypt(plaintext, {
        keyring,
        encryptionContext: { app: 'ledger' },
      });
      expect(header.encryptedDataKeys.map((edk) => [edk.providerId, providerInfoText(edk)])).to.deep.equal([
        ['aws-kms', generator],
        ['aws-kms', backup],
      ]);
      for (const key of [generator, backup]) {
        const alone = new AwsKmsKeyring({ keyIds: [key], clientSupplier: kms.clients });
        expect((await decrypt(ciphertext, { keyring: alone })).plaintext.equals(plaintext)).to.equal(true);
      }
      const names = kms.engine.auditLog({}).map((e) => `${e.eventName}@${e.awsRegion}`);
      expect(names).to.include.members([
        'GenerateDataKey@us-east-1',
        'Encrypt@eu-west-1',
        'Decrypt@eu-west-1',
      ]);
    });

    it("passes the message's encryption context to KMS", async () => {
      const kms = emulator();
      const key = await kms.createKey('us-east-1');
      const keyring = new AwsKmsKeyring({ generatorKeyId: key, clientSupplier: kms.clients });
      await encrypt('x', { keyring, encryptionContext: { tenant: 'a' } });
      const event = kms.engine.auditLog({}).find((e) => e.eventName === 'GenerateDataKey');
      expect(event?.requestParameters.encryptionContext).to.include({ tenant: 'a' });
    });

    it('does not decrypt keys it was not configured with', async () => {
      const kms = emulator();
      const [a, b] = [await kms.createKey('us-east-1'), await kms.createKey('us-east-1')];
      const { ciphertext } = await encrypt('x', {
        keyring: new AwsKmsKeyring({ generatorKeyId: a, clientSupplier: kms.clients }),
      });
      const error = await decrypt(ciphertext, {
        keyring: new AwsKmsKeyring({ keyIds: [b], clientSupplier: kms.clients }),
      }).catch((e: Error) => e);
      expect(error).to.be.instanceOf(NoDataKeyError);
      expect(kms.engine.auditLog({}).filter((e) => e.eventName === 'Decrypt')).to.have.length(0);
    });

    it('reports the KMS error when the key is disabled', async () => {
      const kms = emulator();
      const key = await kms.createKey('us-east-1');
      const keyring = new AwsKmsKeyring({ generatorKeyId: key, clientSupplier: kms.clients });
      const { ciphertext } = await encrypt('x', { keyring });
      await kms.engine.execute('DisableKey', { KeyId: key }, kms.engine.context('us-east-1'));
      const error = (await decrypt(ciphertext, { keyring }).catch((e: Error) => e)) as Error;
      expect(error).to.be.instanceOf(KeyringError);
      expect(error.message).to.match(/DisabledException/);
    });

    it('retries throttled calls with back-off', async () => {
      const kms = emulator();
      const key = await kms.createKey('us-east-1');
      const fault = kms.engine.faults.throttle({ operation: 'GenerateDataKey', probability: 1 });
      // Lift the throttling once two calls were refused, whatever the machine's speed.
      const throttledSoFar = () =>
        kms.engine.auditLog({}).filter((e) => e.errorCode === 'ThrottlingException').length;
      const watch = setInterval(() => {
        if (throttledSoFar() >= 2) {
          fault.remove();
          clearInterval(watch);
        }
      }, 2);
      const keyring = new AwsKmsKeyring({
        generatorKeyId: key,
        clientSupplier: kms.clients,
        retry: { maxAttempts: 10, baseDelayMs: 10 },
      });
      const { ciphertext } = await encrypt('x', { keyring });
      expect((await decrypt(ciphertext, { keyring })).plaintext.toString()).to.equal('x');
      clearInterval(watch);
      expect(throttledSoFar()).to.be.at.least(2);
    });
  });

  describe('multi-Region keys', () => {
    it('decrypts a message made in one region with the replica in another', async () => {
      const kms = emulator();
      const primary = await kms.createKey('us-east-1', true);
      const keyId = primary.split('/')[1]!;
      // ReplicateKey is called in the primary's region.
      await kms
        .admin('us-east-1')
        .send(new ReplicateKeyCommand({ KeyId: primary, ReplicaRegion: 'eu-west-1' }));
      const replicaArn = primary.replace('us-east-1', 'eu-west-1');
      expect(replicaArn.endsWith(keyId)).to.equal(true);
      const { ciphertext } = await encrypt(plaintext, {
        keyring: new AwsKmsKeyring({ generatorKeyId: primary, clientSupplier: kms.clients }),
      });
      kms.engine.faults.regionDown('us-east-1');
      const inEurope = new AwsKmsKeyring({ keyIds: [replicaArn], clientSupplier: kms.clients });
      expect((await decrypt(ciphertext, { keyring: inEurope })).plaintext.equals(plaintext)).to.equal(true);
      const discovery = new AwsKmsDiscoveryKeyring({ clientSupplier: kms.clients, region: 'eu-west-1' });
      expect((await decrypt(ciphertext, { keyring: discovery })).plaintext.equals(plaintext)).to.equal(true);
    });
  });

  describe('discovery keyring', () => {
    it('decrypts with whatever key the message names, within the discovery filter', async () => {
      const kms = emulator();
      const key = await kms.createKey('eu-west-1');
      const { ciphertext } = await encrypt(plaintext, {
        keyring: new AwsKmsKeyring({ generatorKeyId: key, clientSupplier: kms.clients }),
      });
      const allowed = new AwsKmsDiscoveryKeyring({
        clientSupplier: kms.clients,
        discoveryFilter: { partition: 'aws', accountIds: ['111122223333'] },
      });
      expect((await decrypt(ciphertext, { keyring: allowed })).plaintext.equals(plaintext)).to.equal(true);
      const otherAccount = new AwsKmsDiscoveryKeyring({
        clientSupplier: kms.clients,
        discoveryFilter: { partition: 'aws', accountIds: ['444455556666'] },
      });
      expect(await decrypt(ciphertext, { keyring: otherAccount }).catch((e: Error) => e)).to.be.instanceOf(
        NoDataKeyError,
      );
    });

    it('cannot encrypt', async () => {
      const kms = emulator();
      const error = await encrypt('x', {
        keyring: new AwsKmsDiscoveryKeyring({ clientSupplier: kms.clients }),
      }).catch((e: Error) => e);
      expect((error as Error).message).to.match(/discovery keyring cannot encrypt/);
    });
  });

  describe('disaster recovery across three regions', () => {
    async function drill() {
      const kms = emulator();
      const keys = await Promise.all(REGIONS.map((region) => kms.createKey(region)));
      const ring = (arns: string[]) => new AwsKmsKeyring({ keyIds: arns, clientSupplier: kms.clients });
      const keyring = new MultiKeyring({
        generator: new AwsKmsKeyring({ generatorKeyId: keys[0]!, clientSupplier: kms.clients }),
        children: keys.slice(1).map((k) => ring([k])),
      });
      const { ciphertext } = await encrypt(plaintext, { keyring });
      const decryptAll = new MultiKeyring({ children: keys.map((k) => ring([k])) });
      return { kms, ciphertext, decryptAll };
    }

    for (const survivor of REGIONS) {
      it(`decrypts with only ${survivor} up, and the audit log shows ${survivor} served it`, async () => {
        const { kms, ciphertext, decryptAll } = await drill();
        for (const region of REGIONS) if (region !== survivor) kms.engine.faults.regionDown(region);
        const since = new Date();
        expect((await decrypt(ciphertext, { keyring: decryptAll })).plaintext.equals(plaintext)).to.equal(
          true,
        );
        const served = kms.engine
          .auditLog({ since })
          .filter((e) => e.eventName === 'Decrypt' && !e.errorCode);
        expect(served.map((e) => e.awsRegion)).to.deep.equal([survivor]);
      });
    }

    it('fails with one error naming each region when all three are down', async () => {
      const { kms, ciphertext, decryptAll } = await drill();
      for (const region of REGIONS) kms.engine.faults.regionDown(region);
      const error = (await decrypt(ciphertext, { keyring: decryptAll }).catch(
        (e: Error) => e,
      )) as NoDataKeyError;
      expect(error).to.be.instanceOf(NoDataKeyError);
      expect(error.failures).to.have.length(3);
      for (const region of REGIONS) expect(error.message).to.include(region);
    });
  });

  describe('interoperability with the AWS Encryption SDK KMS keyring', () => {
    function theirKeyring(kms: ReturnType<typeof emulator>, generatorKeyId: string) {
      const clientProvider = getClient(KMS, { credentials: CREDENTIALS, requestHandler: kms.requestHandler });
      return new KmsKeyringNode({ generatorKeyId, clientProvider });
    }
    const aws = buildClient(AwsCommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT);

    it('their messages decrypt with our keyring', async () => {
      const kms = emulator();
      const key = await kms.createKey('us-east-1');
      const { result } = await aws.encrypt(theirKeyring(kms, key), plaintext, {
        encryptionContext: { a: 'b' },
      });
      const ours = new AwsKmsKeyring({ keyIds: [key], clientSupplier: kms.clients });
      const { plaintext: out } = await decrypt(result, { keyring: ours });
      expect(out.equals(plaintext)).to.equal(true);
    });

    it('our messages decrypt with their keyring', async () => {
      const kms = emulator();
      const key = await kms.createKey('us-east-1');
      const ours = new AwsKmsKeyring({ generatorKeyId: key, clientSupplier: kms.clients });
      const { ciphertext } = await encrypt(plaintext, { keyring: ours, encryptionContext: { a: 'b' } });
      const { plaintext: out } = await aws.decrypt(theirKeyring(kms, key), ciphertext);
      expect(Buffer.from(out).equals(plaintext)).to.equal(true);
    });
  });
});
