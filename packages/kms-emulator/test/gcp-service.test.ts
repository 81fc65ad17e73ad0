import { randomBytes } from 'node:crypto';
import { crc32c } from '@aws-crypto/crc32c';
import { expect } from 'chai';
import {
  DECRYPTION_FAILED,
  GcpKmsError,
  GcpKmsService,
  HsmCore,
  LocationUnavailableError,
  MemoryResourceStore,
} from '../src/index.js';

const LOCATION = 'projects/p1/locations/us-east1';
const RING = `${LOCATION}/keyRings/ring`;
const KEY = `${RING}/cryptoKeys/key`;
const DAY_MS = 86_400_000;

function setup() {
  let now = Date.parse('2026-01-01T00:00:00Z');
  const core = new HsmCore({
    store: new MemoryResourceStore(),
    rootKey: randomBytes(32),
    clock: () => new Date(now),
  });
  const kms = new GcpKmsService(core);
  return { core, kms, advance: (ms: number) => (now += ms) };
}

async function rejection(promise: Promise<unknown>): Promise<GcpKmsError> {
  try {
    await promise;
  } catch (error) {
    expect(error).to.be.instanceOf(GcpKmsError);
    return error as GcpKmsError;
  }
  throw new Error('expected a rejection');
}

async function withKey(kms: GcpKmsService, extra: Record<string, unknown> = {}) {
  await kms.createKeyRing({ parent: LOCATION, keyRingId: 'ring' });
  return kms.createCryptoKey({
    parent: RING,
    cryptoKeyId: 'key',
    cryptoKey: { purpose: 'ENCRYPT_DECRYPT', ...extra },
  });
}

describe('gcp service model', () => {
  describe('key rings and crypto keys', () => {
    it('creates, gets and refuses duplicates and bad ids', async () => {
      const { kms } = setup();
      const ring = await kms.createKeyRing({ parent: LOCATION, keyRingId: 'ring' });
      expect(ring.name).to.equal(RING);
      expect((await kms.getKeyRing({ name: RING })).name).to.equal(RING);
      const dup = await rejection(kms.createKeyRing({ parent: LOCATION, keyRingId: 'ring' }));
      expect(dup.status).to.equal('ALREADY_EXISTS');
      expect(dup.message).to.equal(`KeyRing ${RING} already exists.`);
      expect((await rejection(kms.createKeyRing({ parent: LOCATION, keyRingId: 'bad id' }))).status).to.equal(
        'INVALID_ARGUMENT',
      );
      expect(
        (await rejection(kms.createKeyRing({ parent: LOCATION, keyRingId: 'x'.repeat(64) }))).status,
      ).to.equal('INVALID_ARGUMENT');
      const missing = await rejection(kms.getKeyRing({ name: `${LOCATION}/keyRings/nope` }));
      expect(missing.status).to.equal('NOT_FOUND');
      expect(missing.message).to.equal(`KeyRing ${LOCATION}/keyRings/nope not found.`);
    });

    it('creates an ENCRYPT_DECRYPT key with version 1 as primary and the 30-day destroy window', async () => {
      const { kms } = setup();
      const key = await withKey(kms);
      expect(key.name).to.equal(KEY);
      expect(key.primary?.name).to.equal(`${KEY}/cryptoKeyVersions/1`);
      expect(key.primary?.state).to.equal('ENABLED');
      expect(key.destroyScheduledDuration).to.deep.equal({ seconds: String(30 * 86400) });
      expect(
        (await rejection(kms.createCryptoKey({ parent: RING, cryptoKeyId: 'k2', cryptoKey: {} }))).message,
      ).to.match(/purpose is required/);
      expect(
        (
          await rejection(
            kms.createCryptoKey({
              parent: RING,
              cryptoKeyId: 'k2',
              cryptoKey: { purpose: 'ASYMMETRIC_SIGN' },
            }),
          )
        ).message,
      ).to.match(/not supported by the emulator/);
      const noRing = await rejection(
        kms.createCryptoKey({
          parent: `${LOCATION}/keyRings/none`,
          cryptoKeyId: 'k',
          cryptoKey: { purpose: 'ENCRYPT_DECRYPT' },
        }),
      );
      expect(noRing.status).to.equal('NOT_FOUND');
    });

    it('updates labels and rotation through the update mask, and refuses other paths', async () => {
      const { kms } = setup();
      await withKey(kms);
      const updated = await kms.updateCryptoKey({
        cryptoKey: {
          name: KEY,
          labels: { team: 'a' },
          rotationPeriod: { seconds: '86400' },
          nextRotationTime: { seconds: '1767312000' },
        },
        updateMask: { paths: ['labels', 'rotationPeriod', 'next_rotation_time'] },
      });
      expect(updated.labels).to.deep.equal({ team: 'a' });
      expect(updated.rotationPeriod).to.deep.equal({ seconds: '86400' });
      const bad = await rejection(
        kms.updateCryptoKey({ cryptoKey: { name: KEY, purpose: 'MAC' }, updateMask: { paths: ['purpose'] } }),
      );
      expect(bad.status).to.equal('INVALID_ARGUMENT');
      expect(bad.message).to.match(/update_mask path 'purpose' is not supported/);
      expect(
        (await rejection(kms.updateCryptoKey({ cryptoKey: { name: KEY }, updateMask: { paths: [] } })))
          .status,
      ).to.equal('INVALID_ARGUMENT');
      const short = await rejection(
        kms.updateCryptoKey({
          cryptoKey: { name: KEY, rotationPeriod: { seconds: '60' }, nextRotationTime: { seconds: '1' } },
          updateMask: { paths: ['rotation_period', 'next_rotation_time'] },
        }),
      );
      expect(short.message).to.match(/at least 24 hours/);
    });
  });

  describe('versions', () => {
    it('creates versions without changing the primary, and switches the primary to an enabled one only', async () => {
      const { kms } = setup();
      await withKey(kms);
      const v2 = await kms.createCryptoKeyVersion({ parent: KEY, cryptoKeyVersion: {} });
      expect(v2.name).to.equal(`${KEY}/cryptoKeyVersions/2`);
      expect((await kms.getCryptoKey({ name: KEY })).primary?.name).to.equal(`${KEY}/cryptoKeyVersions/1`);
      await kms.updateCryptoKeyVersion({
        cryptoKeyVersion: { name: v2.name, state: 'DISABLED' },
        updateMask: { paths: ['state'] },
      });
      const refused = await rejection(
        kms.updateCryptoKeyPrimaryVersion({ name: KEY, cryptoKeyVersionId: '2' }),
      );
      expect(refused.status).to.equal('FAILED_PRECONDITION');
      expect(refused.message).to.equal(`${v2.name} is not enabled, current state is: DISABLED.`);
      await kms.updateCryptoKeyVersion({
        cryptoKeyVersion: { name: v2.name, state: 'ENABLED' },
        updateMask: { paths: ['state'] },
      });
      const key = await kms.updateCryptoKeyPrimaryVersion({ name: KEY, cryptoKeyVersionId: '2' });
      expect(key.primary?.name).to.equal(v2.name);
    });

    it('schedules destruction for the key window, restores, and destroys lazily once the window passes', async () => {
      const { kms, advance } = setup();
      await withKey(kms, { destroyScheduledDuration: { seconds: String(86400) } });
      const name = `${KEY}/cryptoKeyVersions/1`;
      const { ciphertext } = await kms.encrypt({ name: KEY, plaintext: Buffer.from('secret') });
      const scheduled = await kms.destroyCryptoKeyVersion({ name });
      expect(scheduled.state).to.equal('DESTROY_SCHEDULED');
      expect(scheduled.destroyTime).to.deep.equal({
        seconds: String(Date.parse('2026-01-02T00:00:00Z') / 1000),
        nanos: 0,
      });
      const blocked = await rejection(kms.decrypt({ name: KEY, ciphertext }));
      expect(blocked.status).to.equal('FAILED_PRECONDITION');
      expect(blocked.message).to.equal(`${name} is not enabled, current state is: DESTROY_SCHEDULED.`);
      expect((await kms.restoreCryptoKeyVersion({ name })).state).to.equal('DISABLED');
      await kms.destroyCryptoKeyVersion({ name });
      advance(DAY_MS);
      const destroyed = await kms.getCryptoKeyVersion({ name });
      expect(destroyed.state).to.equal('DESTROYED');
      expect(destroyed.destroyEventTime).to.deep.equal(scheduled.destroyTime);
      expect((await rejection(kms.restoreCryptoKeyVersion({ name }))).status).to.equal('FAILED_PRECONDITION');
      expect((await rejection(kms.decrypt({ name: KEY, ciphertext }))).message).to.equal(
        `${name} is not enabled, current state is: DESTROYED.`,
      );
    });

    it('rotates lazily when the next rotation time has passed', async () => {
      const { kms, advance } = setup();
      await withKey(kms, {
        rotationPeriod: { seconds: '86400' },
        nextRotationTime: { seconds: String(Date.parse('2026-01-02T00:00:00Z') / 1000) },
      });
      expect((await kms.getCryptoKey({ name: KEY })).primary?.name).to.match(/\/1$/);
      advance(3.5 * DAY_MS);
      const key = await kms.getCryptoKey({ name: KEY });
      expect(key.primary?.name).to.match(/\/2$/);
      expect(key.nextRotationTime).to.deep.equal({
        seconds: String(Date.parse('2026-01-05T00:00:00Z') / 1000),
        nanos: 0,
      });
    });

    it('lists versions in numeric order across pages with opaque tokens, with filters', async () => {
      const { kms } = setup();
      await withKey(kms);
      for (let i = 0; i < 11; i++) await kms.createCryptoKeyVersion({ parent: KEY });
      const seen: string[] = [];
      let pageToken = '';
      do {
        const page = await kms.listCryptoKeyVersions({ parent: KEY, pageSize: 5, pageToken });
        expect(page.cryptoKeyVersions.length).to.be.at.most(5);
        seen.push(...page.cryptoKeyVersions.map((v) => v.name.split('/').pop() as string));
        pageToken = page.nextPageToken;
      } while (pageToken);
      expect(seen).to.deep.equal(Array.from({ length: 12 }, (_, i) => String(i + 1)));
      await kms.updateCryptoKeyVersion({
        cryptoKeyVersion: { name: `${KEY}/cryptoKeyVersions/10`, state: 'DISABLED' },
        updateMask: { paths: ['state'] },
      });
      const disabled = await kms.listCryptoKeyVersions({ parent: KEY, filter: 'state = DISABLED' });
      expect(disabled.cryptoKeyVersions.map((v) => v.name)).to.deep.equal([`${KEY}/cryptoKeyVersions/10`]);
      expect(
        (await kms.listCryptoKeyVersions({ parent: KEY, filter: 'state!="DISABLED"' })).cryptoKeyVersions,
      ).to.have.length(11);
      expect(
        (await rejection(kms.listCryptoKeyVersions({ parent: KEY, filter: 'state:ENABLED OR x' }))).message,
      ).to.match(/not supported by the emulator/);
      expect(
        (await rejection(kms.listCryptoKeyVersions({ parent: KEY, orderBy: 'state desc' }))).message,
      ).to.match(/order_by/);
      expect(
        (await rejection(kms.listCryptoKeyVersions({ parent: KEY, pageToken: 'garbage' }))).message,
      ).to.match(/page_token/);
      expect((await rejection(kms.listCryptoKeyVersions({ parent: KEY, pageSize: -1 }))).status).to.equal(
        'INVALID_ARGUMENT',
      );
    });

    it('pages key rings and keys', async () => {
      const { kms } = setup();
      for (const id of ['a', 'b', 'c']) await kms.createKeyRing({ parent: LOCATION, keyRingId: id });
      const first = await kms.listKeyRings({ parent: LOCATION, pageSize: 2 });
      expect(first.keyRings.map((r) => r.name.split('/').pop())).to.deep.equal(['a', 'b']);
      const second = await kms.listKeyRings({
        parent: LOCATION,
        pageSize: 2,
        pageToken: first.nextPageToken,
      });
      expect(second.keyRings.map((r) => r.name.split('/').pop())).to.deep.equal(['c']);
      expect(second.nextPageToken).to.equal('');
      const reused = await rejection(
        kms.listKeyRings({ parent: 'projects/other/locations/x', pageToken: first.nextPageToken }),
      );
      expect(reused.status).to.equal('INVALID_ARGUMENT');
    });
  });

  describe('encrypt and decrypt', () => {
    it('round-trips with AAD, names the version used and reports used_primary', async () => {
      const { kms } = setup();
      await withKey(kms);
      const plaintext = Buffer.from('data key bytes');
      const aad = Buffer.from('context');
      const enc = await kms.encrypt({ name: KEY, plaintext, additionalAuthenticatedData: aad });
      expect(enc.name).to.equal(`${KEY}/cryptoKeyVersions/1`);
      expect(enc.ciphertextCrc32c.value).to.equal(String(crc32c(enc.ciphertext)));
      expect(enc.verifiedPlaintextCrc32c).to.equal(false);
      const dec = await kms.decrypt({
        name: KEY,
        ciphertext: enc.ciphertext,
        additionalAuthenticatedData: aad,
      });
      expect(dec.plaintext.equals(plaintext)).to.equal(true);
      expect(dec.usedPrimary).to.equal(true);
      await kms.createCryptoKeyVersion({ parent: KEY });
      await kms.updateCryptoKeyPrimaryVersion({ name: KEY, cryptoKeyVersionId: '2' });
      expect(
        (await kms.decrypt({ name: KEY, ciphertext: enc.ciphertext, additionalAuthenticatedData: aad }))
          .usedPrimary,
      ).to.equal(false);
      const wrongAad = await rejection(kms.decrypt({ name: KEY, ciphertext: enc.ciphertext }));
      expect(wrongAad.status).to.equal('INVALID_ARGUMENT');
      expect(wrongAad.message).to.equal(DECRYPTION_FAILED);
    });

    it('encrypts under a named version that is not the primary', async () => {
      const { kms } = setup();
      await withKey(kms);
      const v2 = await kms.createCryptoKeyVersion({ parent: KEY });
      const enc = await kms.encrypt({ name: v2.name, plaintext: Buffer.from('x') });
      expect(enc.name).to.equal(v2.name);
      const dec = await kms.decrypt({ name: KEY, ciphertext: enc.ciphertext });
      expect(dec.usedPrimary).to.equal(false);
      const missing = await rejection(
        kms.encrypt({ name: `${KEY}/cryptoKeyVersions/9`, plaintext: Buffer.from('x') }),
      );
      expect(missing.status).to.equal('NOT_FOUND');
    });

    it("answers Decryption failed for another key's ciphertext, garbage and tampering", async () => {
      const { kms } = setup();
      await withKey(kms);
      await kms.createCryptoKey({
        parent: RING,
        cryptoKeyId: 'other',
        cryptoKey: { purpose: 'ENCRYPT_DECRYPT' },
      });
      const { ciphertext } = await kms.encrypt({ name: KEY, plaintext: Buffer.from('x') });
      for (const [name, blob] of [
        [`${RING}/cryptoKeys/other`, ciphertext],
        [KEY, Buffer.from('not a ciphertext at all, not at all')],
        [
          KEY,
          Buffer.concat([
            ciphertext.subarray(0, 10),
            Buffer.from([ciphertext[10]! ^ 1]),
            ciphertext.subarray(11),
          ]),
        ],
      ] as const) {
        const error = await rejection(kms.decrypt({ name, ciphertext: blob }));
        expect(error.status).to.equal('INVALID_ARGUMENT');
        expect(error.message).to.equal(DECRYPTION_FAILED);
      }
    });

    it('draws a fresh IV for every encryption under the same version', async () => {
      const { kms } = setup();
      await withKey(kms);
      const ivs = new Set<string>();
      for (let i = 0; i < 50; i++) {
        const { ciphertext } = await kms.encrypt({ name: KEY, plaintext: Buffer.from('same') });
        ivs.add(ciphertext.subarray(8, 20).toString('hex'));
      }
      expect(ivs.size).to.equal(50);
    });

    it('verifies CRC32C checksums: a present 0 counts as provided, a mismatch is INVALID_ARGUMENT', async () => {
      const { kms } = setup();
      await withKey(kms);
      const plaintext = Buffer.from('abc');
      const good = await kms.encrypt({
        name: KEY,
        plaintext,
        plaintextCrc32c: { value: String(crc32c(plaintext)) },
        additionalAuthenticatedDataCrc32c: { value: '0' },
      });
      // CRC32C of empty AAD is 0, so a present zero checksum verifies.
      expect(good.verifiedPlaintextCrc32c).to.equal(true);
      expect(good.verifiedAdditionalAuthenticatedDataCrc32c).to.equal(true);
      const zero = await rejection(kms.encrypt({ name: KEY, plaintext, plaintextCrc32c: {} }));
      expect(zero.message).to.equal(
        'The checksum in field plaintext_crc32c did not match the data in field plaintext.',
      );
      const badCt = await rejection(
        kms.decrypt({ name: KEY, ciphertext: good.ciphertext, ciphertextCrc32c: { value: '1' } }),
      );
      expect(badCt.status).to.equal('INVALID_ARGUMENT');
      expect(badCt.message).to.match(/ciphertext_crc32c/);
      const dec = await kms.decrypt({
        name: KEY,
        ciphertext: good.ciphertext,
        ciphertextCrc32c: good.ciphertextCrc32c,
      });
      expect(dec.plaintextCrc32c.value).to.equal(String(crc32c(plaintext)));
    });

    it('enforces the 64 KiB plaintext and AAD limits and refuses a disabled primary', async () => {
      const { kms } = setup();
      await withKey(kms);
      await kms.encrypt({
        name: KEY,
        plaintext: Buffer.alloc(65_536, 1),
        additionalAuthenticatedData: Buffer.alloc(65_536),
      });
      expect(
        (await rejection(kms.encrypt({ name: KEY, plaintext: Buffer.alloc(65_537, 1) }))).message,
      ).to.match(/plaintext is too large/);
      expect(
        (
          await rejection(
            kms.encrypt({
              name: KEY,
              plaintext: Buffer.from('x'),
              additionalAuthenticatedData: Buffer.alloc(65_537),
            }),
          )
        ).message,
      ).to.match(/additional_authenticated_data is too large/);
      await kms.updateCryptoKeyVersion({
        cryptoKeyVersion: { name: `${KEY}/cryptoKeyVersions/1`, state: 'DISABLED' },
        updateMask: { paths: ['state'] },
      });
      const disabled = await rejection(kms.encrypt({ name: KEY, plaintext: Buffer.from('x') }));
      expect(disabled.status).to.equal('FAILED_PRECONDITION');
    });

    it('generates random bytes from the HSM level only, 8 to 1024 bytes', async () => {
      const { kms } = setup();
      const out = await kms.generateRandomBytes({
        location: LOCATION,
        lengthBytes: 32,
        protectionLevel: 'HSM',
      });
      expect(out.data).to.have.length(32);
      expect(out.dataCrc32c.value).to.equal(String(crc32c(out.data)));
      expect(
        (
          await rejection(
            kms.generateRandomBytes({ location: LOCATION, lengthBytes: 2000, protectionLevel: 'HSM' }),
          )
        ).status,
      ).to.equal('INVALID_ARGUMENT');
      expect(
        (await rejection(kms.generateRandomBytes({ location: LOCATION, lengthBytes: 32 }))).message,
      ).to.match(/HSM/);
    });
  });

  describe('faults and audit', () => {
    it('throws LocationUnavailableError for a location that is down and RESOURCE_EXHAUSTED when throttled', async () => {
      const { kms, core } = setup();
      await withKey(kms);
      const down = core.faults.down('gcp', LOCATION);
      try {
        await kms.getCryptoKey({ name: KEY });
        expect.fail('expected the location to be down');
      } catch (error) {
        expect(error).to.be.instanceOf(LocationUnavailableError);
      }
      down.remove();
      const throttle = core.faults.throttle({ service: 'gcp', operation: 'Encrypt' });
      expect((await rejection(kms.encrypt({ name: KEY, plaintext: Buffer.from('x') }))).status).to.equal(
        'RESOURCE_EXHAUSTED',
      );
      throttle.remove();
      core.faults.fail({ service: 'gcp', operation: 'Decrypt', error: 'UNAVAILABLE' });
      expect((await rejection(kms.decrypt({ name: KEY, ciphertext: Buffer.from('x') }))).status).to.equal(
        'UNAVAILABLE',
      );
    });

    it('answers INTERNAL naming the valid statuses for a failure fault that names no Cloud KMS status', async () => {
      const { kms, core } = setup();
      core.faults.fail({ service: 'gcp', error: 'ThrottlingException' });
      const error = await rejection(kms.getKeyRing({ name: RING }));
      expect(error.status).to.equal('INTERNAL');
      expect(error.message).to.match(
        /'ThrottlingException' is not a Cloud KMS status; use one of .*UNAVAILABLE/,
      );
    });

    it('renders Cloud Audit Logs entries that hold no plaintext, ciphertext or AAD', async () => {
      const { kms } = setup();
      await withKey(kms);
      const plaintext = Buffer.from('TOP-SECRET-PLAINTEXT');
      const { ciphertext } = await kms.encrypt({
        name: KEY,
        plaintext,
        additionalAuthenticatedData: Buffer.from('AAD-VALUE'),
      });
      await rejection(
        kms.decrypt({ name: KEY, ciphertext, additionalAuthenticatedData: Buffer.from('WRONG-AAD') }),
      );
      const entries = kms.auditLog();
      const json = JSON.stringify(entries);
      for (const secret of [
        'TOP-SECRET-PLAINTEXT',
        plaintext.toString('base64'),
        ciphertext.toString('base64'),
        'AAD-VALUE',
        'WRONG-AAD',
      ])
        expect(json).not.to.include(secret);
      const decrypt = entries.at(-1);
      expect(decrypt?.protoPayload.methodName).to.equal('google.cloud.kms.v1.KeyManagementService.Decrypt');
      expect(decrypt?.protoPayload.status).to.deep.equal({ code: 3, message: DECRYPTION_FAILED });
      expect(decrypt?.resource).to.deep.equal({
        type: 'cloudkms_cryptokey',
        labels: { project_id: 'p1', location: 'us-east1', key_ring_id: 'ring', crypto_key_id: 'key' },
      });
      expect(entries[0]?.logName).to.equal('projects/p1/logs/cloudaudit.googleapis.com%2Factivity');
    });
  });
});
