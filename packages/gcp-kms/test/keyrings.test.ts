import { randomBytes } from 'node:crypto';
import {
  decrypt,
  encrypt,
  InvalidArgumentError,
  MultiKeyring,
  providerInfoText,
  serializeEncryptionContext,
} from '@envelope/core';
import { GcpKmsDiscoveryKeyring, GcpKmsKeyring } from '@envelope/gcp-kms';
import { expect } from 'chai';
import { Status } from 'google-gax';
import { FakeCloudKms, grpcError, KEY_A, KEY_B, KEY_OTHER_PROJECT } from './support/fake-cloud-kms.js';
import { unwrapWith, wrapWith } from './support/materials.js';

describe('Cloud KMS keyrings', () => {
  const plaintext = randomBytes(5000);

  describe('strict keyring', () => {
    it('generates the data key locally, wraps it under every key, and each key alone decrypts', async () => {
      const kms = new FakeCloudKms();
      const keyring = new GcpKmsKeyring({ generatorKeyName: KEY_A, keyNames: [KEY_B], client: kms });
      const context = { app: 'ledger', region: 'eu' };
      const { ciphertext, header } = await encrypt(plaintext, { keyring, encryptionContext: context });
      expect(header.encryptedDataKeys.map((edk) => [edk.providerId, providerInfoText(edk)])).to.deep.equal([
        ['gcp-kms', KEY_A],
        ['gcp-kms', KEY_B],
      ]);
      // The AAD of every Encrypt is the serialized encryption context of the message.
      const aad = serializeEncryptionContext(header.encryptionContext);
      expect(kms.calls.map((c) => [c.method, c.name, c.aad.equals(aad)])).to.deep.equal([
        ['encrypt', KEY_A, true],
        ['encrypt', KEY_B, true],
      ]);
      for (const key of [KEY_A, KEY_B]) {
        const alone = new GcpKmsKeyring({ keyNames: [key], client: kms });
        expect((await decrypt(ciphertext, { keyring: alone })).plaintext).to.deep.equal(plaintext);
      }
    });

    it('skips EDKs of other keys and other providers without calling Cloud KMS', async () => {
      const kms = new FakeCloudKms();
      const { edks } = await wrapWith(new GcpKmsKeyring({ generatorKeyName: KEY_A, client: kms }));
      const calls = kms.calls.length;
      const other = new GcpKmsKeyring({ keyNames: [KEY_B], client: kms });
      expect(await unwrapWith(other, [...edks, { ...edks[0]!, providerId: 'aws-kms' }])).to.equal(undefined);
      expect(kms.calls).to.have.length(calls);
    });

    it('cannot encrypt without a generator when no data key exists', async () => {
      const keyring = new GcpKmsKeyring({ keyNames: [KEY_B], client: new FakeCloudKms() });
      try {
        await wrapWith(keyring);
        expect.fail('expected a rejection');
      } catch (error) {
        expect(error).to.be.instanceOf(InvalidArgumentError);
        expect((error as Error).message).to.include('no generatorKeyName');
      }
    });

    it('refuses names that are not CryptoKey names, and says to drop a version', () => {
      const client = new FakeCloudKms();
      expect(() => new GcpKmsKeyring({ client })).to.throw(
        InvalidArgumentError,
        /generatorKeyName, keyNames, or both/,
      );
      expect(() => new GcpKmsKeyring({ generatorKeyName: 'my-key', client })).to.throw(
        InvalidArgumentError,
        /CryptoKey name/,
      );
      expect(() => new GcpKmsKeyring({ generatorKeyName: `${KEY_A}/cryptoKeyVersions/3`, client })).to.throw(
        InvalidArgumentError,
        /not a version/,
      );
      expect(
        () => new GcpKmsKeyring({ generatorKeyName: KEY_A, client, clientSupplier: () => client }),
      ).to.throw(InvalidArgumentError, /not both/);
    });
  });

  describe('discovery keyring', () => {
    async function edksFor(...keys: string[]) {
      const kms = new FakeCloudKms();
      const [generator, ...others] = keys;
      const { dataKey, edks } = await wrapWith(
        new GcpKmsKeyring({ generatorKeyName: generator!, keyNames: others, client: kms }),
      );
      kms.calls.length = 0;
      return { kms, dataKey, edks };
    }

    it('decrypts with any key in the allowed projects and locations', async () => {
      const { kms, dataKey, edks } = await edksFor(KEY_OTHER_PROJECT, KEY_A);
      const keyring = new GcpKmsDiscoveryKeyring({
        client: kms,
        discoveryFilter: { projects: ['envelope-*'], locations: ['europe-*'] },
      });
      expect(await unwrapWith(keyring, edks)).to.deep.equal(dataKey);
      // The other project's EDK came first but was never sent to Cloud KMS.
      expect(kms.calls.map((c) => c.name)).to.deep.equal([KEY_A]);
    });

    it('skips keys outside the filter, and malformed provider info', async () => {
      const { kms, edks } = await edksFor(KEY_B);
      const forged = { ...edks[0]!, providerInfo: Buffer.from('projects/envelope-test/../../x') };
      const keyring = new GcpKmsDiscoveryKeyring({
        client: kms,
        discoveryFilter: { projects: ['envelope-test'], locations: ['europe-west1'] },
      });
      expect(await unwrapWith(keyring, [...edks, forged])).to.equal(undefined);
      expect(kms.calls).to.deep.equal([]);
    });

    it('without a filter, tries every Cloud KMS EDK', async () => {
      const { kms, dataKey, edks } = await edksFor(KEY_OTHER_PROJECT);
      expect(await unwrapWith(new GcpKmsDiscoveryKeyring({ client: kms }), edks)).to.deep.equal(dataKey);
    });

    it('cannot encrypt, and refuses a filter pattern it cannot match', async () => {
      const keyring = new GcpKmsDiscoveryKeyring({ client: new FakeCloudKms() });
      try {
        await wrapWith(keyring);
        expect.fail('expected a rejection');
      } catch (error) {
        expect(error).to.be.instanceOf(InvalidArgumentError);
      }
      expect(
        () => new GcpKmsDiscoveryKeyring({ client: new FakeCloudKms(), discoveryFilter: { projects: [] } }),
      ).to.throw(InvalidArgumentError, /at least one project/);
      expect(
        () =>
          new GcpKmsDiscoveryKeyring({
            client: new FakeCloudKms(),
            discoveryFilter: { projects: ['Prod(.*)'] },
          }),
      ).to.throw(InvalidArgumentError, /not a project id or a pattern/);
    });
  });

  describe('disaster recovery', () => {
    it('a multi-keyring falls over to the key in another location while one location is down', async () => {
      const kms = new FakeCloudKms();
      const keyring = new GcpKmsKeyring({ generatorKeyName: KEY_A, keyNames: [KEY_B], client: kms });
      const { ciphertext } = await encrypt(plaintext, { keyring, encryptionContext: { app: 'dr' } });
      // europe-west1 is down: every call for KEY_A answers UNAVAILABLE.
      const decryptFor = kms.decrypt.bind(kms);
      kms.decrypt = async (request, options) => {
        if (request.name === KEY_A) throw grpcError(Status.UNAVAILABLE, 'europe-west1 is unavailable');
        return decryptFor(request, options);
      };
      const multi = new MultiKeyring({
        children: [
          new GcpKmsKeyring({ keyNames: [KEY_A], client: kms, retry: { maxAttempts: 2, baseDelayMs: 1 } }),
          new GcpKmsKeyring({ keyNames: [KEY_B], client: kms }),
        ],
      });
      const started = performance.now();
      expect((await decrypt(ciphertext, { keyring: multi })).plaintext).to.deep.equal(plaintext);
      expect(performance.now() - started).to.be.below(1000);
    });
  });
});
