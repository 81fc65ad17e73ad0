import { randomBytes } from 'node:crypto';
import { decrypt, encrypt } from '@envelope/core';
import { GcpKmsError, GcpKmsKeyring } from '@envelope/gcp-kms';
import type { KeyManagementServiceClient } from '@google-cloud/kms';
import { expect } from 'chai';

/**
 * What the keyring must do against a real Cloud KMS face (the emulator's, over gRPC, REST or
 * in-process), with the official client: `makeClient` returns a `KeyManagementServiceClient` pointed
 * at it. Transport-agnostic, so the lead can run it on each once the GCP face lands.
 */
export function keyringContract(name: string, makeClient: () => KeyManagementServiceClient): void {
  describe(`GcpKmsKeyring against ${name}`, function () {
    this.timeout(30_000);
    let kms: KeyManagementServiceClient;
    const location = `projects/envelope-test/locations/europe-west1`;
    const ring = `${location}/keyRings/keyring-contract-${randomBytes(4).toString('hex')}`;
    const key = (id: string) => `${ring}/cryptoKeys/${id}`;

    before(async () => {
      kms = makeClient();
      await kms.createKeyRing({ parent: location, keyRingId: ring.split('/').pop()!, keyRing: {} });
      for (const id of ['data', 'backup', 'rotated', 'disabled']) {
        await kms.createCryptoKey({
          parent: ring,
          cryptoKeyId: id,
          cryptoKey: {
            purpose: 'ENCRYPT_DECRYPT',
            versionTemplate: { algorithm: 'GOOGLE_SYMMETRIC_ENCRYPTION' },
          },
        });
      }
    });
    after(() => kms.close());

    it('wraps under two keys and each alone decrypts; another context does not', async () => {
      const plaintext = randomBytes(3000);
      const keyring = new GcpKmsKeyring({
        generatorKeyName: key('data'),
        keyNames: [key('backup')],
        client: kms,
      });
      const { ciphertext } = await encrypt(plaintext, { keyring, encryptionContext: { tenant: 'a' } });
      for (const id of ['data', 'backup']) {
        const alone = new GcpKmsKeyring({ keyNames: [key(id)], client: kms });
        expect((await decrypt(ciphertext, { keyring: alone })).plaintext).to.deep.equal(plaintext);
      }
    });

    it('still decrypts after rotation (the EDK names the key, the ciphertext its version)', async () => {
      const keyring = new GcpKmsKeyring({ generatorKeyName: key('rotated'), client: kms });
      const { ciphertext } = await encrypt('before rotation', { keyring });
      const [version] = await kms.createCryptoKeyVersion({ parent: key('rotated'), cryptoKeyVersion: {} });
      await kms.updateCryptoKeyPrimaryVersion({
        name: key('rotated'),
        cryptoKeyVersionId: String(version.name).split('/').pop()!,
      });
      expect((await decrypt(ciphertext, { keyring })).plaintext.toString()).to.equal('before rotation');
      await encrypt('after rotation', { keyring });
    });

    it('reports a disabled primary version as FAILED_PRECONDITION and a missing key as NOT_FOUND', async () => {
      await kms.updateCryptoKeyVersion({
        cryptoKeyVersion: { name: `${key('disabled')}/cryptoKeyVersions/1`, state: 'DISABLED' },
        updateMask: { paths: ['state'] },
      });
      for (const [id, status] of [
        ['disabled', 'FAILED_PRECONDITION'],
        ['missing', 'NOT_FOUND'],
      ] as const) {
        try {
          await encrypt('x', { keyring: new GcpKmsKeyring({ generatorKeyName: key(id), client: kms }) });
          expect.fail('expected a rejection');
        } catch (error) {
          expect(error).to.be.instanceOf(GcpKmsError);
          expect((error as GcpKmsError).status).to.equal(status);
        }
      }
    });
  });
}
