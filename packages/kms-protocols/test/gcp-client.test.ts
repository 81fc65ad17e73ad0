import { crc32c } from '@aws-crypto/crc32c';
import { expect } from 'chai';
import { FAST, type GcpHarness, gcpHarness, TRANSPORTS } from './gcp-harness.js';

const LOCATION = 'projects/p1/locations/europe-west1';
const RING = `${LOCATION}/keyRings/ring`;
const KEY = `${RING}/cryptoKeys/key`;

const bytes = (value: unknown): Buffer => Buffer.from(value as Uint8Array);
const crc = (data: Uint8Array): string => String(crc32c(data));

async function grpcCode(promise: Promise<unknown>): Promise<{ code: number; message: string }> {
  try {
    await promise;
  } catch (error) {
    const { code, message, details } = error as { code: number; message: string; details?: string };
    return { code, message: typeof details === 'string' && details ? details : message };
  }
  throw new Error('expected the call to fail');
}

for (const transport of TRANSPORTS) {
  describe(`@google-cloud/kms over ${transport}`, function () {
    this.timeout(30_000);
    let h: GcpHarness;

    beforeEach(async () => {
      h = await gcpHarness(transport);
      await h.client.createKeyRing({ parent: LOCATION, keyRingId: 'ring' }, FAST);
    });
    afterEach(() => h.close());

    it('creates, gets, updates and lists key rings, keys and versions', async () => {
      const [ring] = await h.client.getKeyRing({ name: RING }, FAST);
      expect(ring.name).to.equal(RING);
      const [key] = await h.client.createCryptoKey(
        {
          parent: RING,
          cryptoKeyId: 'key',
          cryptoKey: {
            purpose: 'ENCRYPT_DECRYPT',
            rotationPeriod: { seconds: 86_400 * 30 },
            nextRotationTime: { seconds: Math.floor(Date.now() / 1000) + 86_400 },
            labels: { env: 'test' },
          },
        },
        FAST,
      );
      expect(key.primary?.name).to.equal(`${KEY}/cryptoKeyVersions/1`);
      expect(key.primary?.state).to.equal('ENABLED');
      expect(String(key.rotationPeriod?.seconds)).to.equal(String(86_400 * 30));
      expect(key.labels).to.deep.equal({ env: 'test' });

      const [updated] = await h.client.updateCryptoKey(
        { cryptoKey: { name: KEY, labels: { env: 'prod' } }, updateMask: { paths: ['labels'] } },
        FAST,
      );
      expect(updated.labels).to.deep.equal({ env: 'prod' });

      const [v2] = await h.client.createCryptoKeyVersion({ parent: KEY, cryptoKeyVersion: {} }, FAST);
      expect(v2.name).to.equal(`${KEY}/cryptoKeyVersions/2`);
      const [primary] = await h.client.updateCryptoKeyPrimaryVersion(
        { name: KEY, cryptoKeyVersionId: '2' },
        FAST,
      );
      expect(primary.primary?.name).to.equal(v2.name);

      const [disabled] = await h.client.updateCryptoKeyVersion(
        {
          cryptoKeyVersion: { name: `${KEY}/cryptoKeyVersions/1`, state: 'DISABLED' },
          updateMask: { paths: ['state'] },
        },
        FAST,
      );
      expect(disabled.state).to.equal('DISABLED');
      const [scheduled] = await h.client.destroyCryptoKeyVersion(
        { name: `${KEY}/cryptoKeyVersions/1` },
        FAST,
      );
      expect(scheduled.state).to.equal('DESTROY_SCHEDULED');
      expect(Number(scheduled.destroyTime?.seconds)).to.be.greaterThan(Date.now() / 1000 + 29 * 86_400);
      const [restored] = await h.client.restoreCryptoKeyVersion({ name: `${KEY}/cryptoKeyVersions/1` }, FAST);
      expect(restored.state).to.equal('DISABLED');
      const [got] = await h.client.getCryptoKeyVersion({ name: `${KEY}/cryptoKeyVersions/1` }, FAST);
      expect(got.state).to.equal('DISABLED');

      const [versions] = await h.client.listCryptoKeyVersions({ parent: KEY, filter: 'state=ENABLED' }, FAST);
      expect(versions.map((v) => v.name)).to.deep.equal([v2.name]);
      const [keys] = await h.client.listCryptoKeys({ parent: RING }, FAST);
      expect(keys.map((k) => k.name)).to.deep.equal([KEY]);
    });

    it('pages listings with page tokens, and auto-paginates', async () => {
      for (const id of ['b', 'c', 'd', 'e'])
        await h.client.createKeyRing({ parent: LOCATION, keyRingId: id }, FAST);
      const [first, next] = await h.client.listKeyRings(
        { parent: LOCATION, pageSize: 2 },
        { ...FAST, autoPaginate: false },
      );
      expect(first.map((r) => r.name?.split('/').pop())).to.deep.equal(['b', 'c']);
      expect(next?.pageToken).to.be.a('string').and.not.equal('');
      const [second] = await h.client.listKeyRings(
        { parent: LOCATION, pageSize: 2, pageToken: next?.pageToken as string },
        { ...FAST, autoPaginate: false },
      );
      expect(second.map((r) => r.name?.split('/').pop())).to.deep.equal(['d', 'e']);
      const all: string[] = [];
      for await (const ring of h.client.listKeyRingsAsync({ parent: LOCATION, pageSize: 2 }, FAST))
        all.push(ring.name as string);
      expect(all.map((n) => n.split('/').pop())).to.deep.equal(['b', 'c', 'd', 'e', 'ring']);
    });

    it('encrypts and decrypts with AAD and CRC32C, naming the version and used_primary', async () => {
      await h.client.createCryptoKey(
        { parent: RING, cryptoKeyId: 'key', cryptoKey: { purpose: 'ENCRYPT_DECRYPT' } },
        FAST,
      );
      const plaintext = Buffer.from('a data key of thirty-two bytes!!');
      const aad = Buffer.from('encryption context');
      const [enc] = await h.client.encrypt(
        {
          name: KEY,
          plaintext,
          additionalAuthenticatedData: aad,
          plaintextCrc32c: { value: crc(plaintext) },
          additionalAuthenticatedDataCrc32c: { value: crc(aad) },
        },
        FAST,
      );
      expect(enc.name).to.equal(`${KEY}/cryptoKeyVersions/1`);
      expect(enc.verifiedPlaintextCrc32c).to.equal(true);
      expect(enc.verifiedAdditionalAuthenticatedDataCrc32c).to.equal(true);
      expect(String(enc.ciphertextCrc32c?.value)).to.equal(crc(bytes(enc.ciphertext)));
      const [dec] = await h.client.decrypt(
        {
          name: KEY,
          ciphertext: enc.ciphertext,
          additionalAuthenticatedData: aad,
          ciphertextCrc32c: { value: crc(bytes(enc.ciphertext)) },
        },
        FAST,
      );
      expect(bytes(dec.plaintext).equals(plaintext)).to.equal(true);
      expect(String(dec.plaintextCrc32c?.value)).to.equal(crc(plaintext));
      expect(dec.usedPrimary).to.equal(true);
      const [random] = await h.client.generateRandomBytes(
        { location: LOCATION, lengthBytes: 64, protectionLevel: 'HSM' },
        FAST,
      );
      expect(bytes(random.data)).to.have.length(64);
      expect(String(random.dataCrc32c?.value)).to.equal(crc(bytes(random.data)));
    });

    it("answers Google's status codes and messages", async () => {
      await h.client.createCryptoKey(
        { parent: RING, cryptoKeyId: 'key', cryptoKey: { purpose: 'ENCRYPT_DECRYPT' } },
        FAST,
      );
      const missing = await grpcCode(h.client.getCryptoKey({ name: `${RING}/cryptoKeys/none` }, FAST));
      expect(missing.code).to.equal(5);
      expect(missing.message).to.include(`CryptoKey ${RING}/cryptoKeys/none not found.`);
      const exists = await grpcCode(h.client.createKeyRing({ parent: LOCATION, keyRingId: 'ring' }, FAST));
      expect(exists.code).to.equal(6);
      await h.client.createCryptoKey(
        { parent: RING, cryptoKeyId: 'other', cryptoKey: { purpose: 'ENCRYPT_DECRYPT' } },
        FAST,
      );
      const [enc] = await h.client.encrypt({ name: KEY, plaintext: Buffer.from('x') }, FAST);
      const wrong = await grpcCode(
        h.client.decrypt({ name: `${RING}/cryptoKeys/other`, ciphertext: enc.ciphertext }, FAST),
      );
      expect(wrong.code).to.equal(3);
      expect(wrong.message).to.include(
        "Decryption failed: verify that 'name' refers to the correct CryptoKey.",
      );
      await h.client.updateCryptoKeyVersion(
        {
          cryptoKeyVersion: { name: `${KEY}/cryptoKeyVersions/1`, state: 'DISABLED' },
          updateMask: { paths: ['state'] },
        },
        FAST,
      );
      const disabled = await grpcCode(h.client.decrypt({ name: KEY, ciphertext: enc.ciphertext }, FAST));
      expect(disabled.code).to.equal(9);
      expect(disabled.message).to.include('is not enabled, current state is: DISABLED.');
      const badChecksum = await grpcCode(
        h.client.encrypt({ name: KEY, plaintext: Buffer.from('x'), plaintextCrc32c: { value: 0 } }, FAST),
      );
      expect(badChecksum.code).to.equal(3);
      expect(badChecksum.message).to.include('plaintext_crc32c');
      const unimplemented = await grpcCode(
        h.client.getPublicKey({ name: `${KEY}/cryptoKeyVersions/1` }, FAST),
      );
      expect(unimplemented.code).to.equal(12);
    });

    it('reports a location that is down as UNAVAILABLE, audits nothing, and recovers', async () => {
      await h.client.createCryptoKey(
        { parent: RING, cryptoKeyId: 'key', cryptoKey: { purpose: 'ENCRYPT_DECRYPT' } },
        FAST,
      );
      const before = h.core.auditLog().length;
      const down = h.core.faults.down('gcp', LOCATION);
      const started = Date.now();
      const failure = await grpcCode(h.client.encrypt({ name: KEY, plaintext: Buffer.from('x') }, FAST));
      expect(failure.code).to.equal(14);
      expect(Date.now() - started).to.be.lessThan(5000);
      expect(h.core.auditLog()).to.have.length(before);
      down.remove();
      await h.client.encrypt({ name: KEY, plaintext: Buffer.from('x') }, FAST);
      const throttle = h.core.faults.throttle({ service: 'gcp', operation: 'Encrypt' });
      expect(
        (await grpcCode(h.client.encrypt({ name: KEY, plaintext: Buffer.from('x') }, FAST))).code,
      ).to.equal(8);
      throttle.remove();
    });
  });
}
