import {
  CreateKeyCommand,
  DecryptCommand,
  DescribeKeyCommand,
  DisableKeyRotationCommand,
  EnableKeyRotationCommand,
  EncryptCommand,
  GetKeyRotationStatusCommand,
  type KMSClient,
  ListKeyRotationsCommand,
  ReplicateKeyCommand,
  RotateKeyOnDemandCommand,
  UpdatePrimaryRegionCommand,
} from '@aws-sdk/client-kms';
import { expect } from 'chai';
import { bytes, type Harness, harness, rejection, STORE_KINDS } from './helpers.js';

const text = (b: Uint8Array | undefined) => Buffer.from(b!).toString('utf8');

for (const kind of STORE_KINDS) {
  describe(`key rotation (${kind} store)`, () => {
    let h: Harness;
    let kms: KMSClient;
    beforeEach(() => {
      h = harness(kind);
      kms = h.client();
    });
    afterEach(() => h.dispose());

    it('decrypts blobs from every version after rotating three times', async () => {
      const KeyId = (await kms.send(new CreateKeyCommand({}))).KeyMetadata!.KeyId!;
      const blobs: Uint8Array[] = [];
      for (let version = 0; version < 4; version++) {
        blobs.push(
          (await kms.send(new EncryptCommand({ KeyId, Plaintext: bytes(`v${version}`) }))).CiphertextBlob!,
        );
        if (version < 3) await kms.send(new RotateKeyOnDemandCommand({ KeyId }));
      }
      expect(new Set(blobs.map((b) => Buffer.from(b).toString('hex').slice(0, 200))).size).to.equal(4);
      for (const [i, blob] of blobs.entries()) {
        expect(text((await kms.send(new DecryptCommand({ CiphertextBlob: blob }))).Plaintext)).to.equal(
          `v${i}`,
        );
      }
      const { Rotations } = await kms.send(new ListKeyRotationsCommand({ KeyId }));
      expect(Rotations).to.have.length(3);
      expect(Rotations!.every((r) => r.RotationType === 'ON_DEMAND')).to.equal(true);
    });

    it('enables and disables automatic rotation with a period', async () => {
      const KeyId = (await kms.send(new CreateKeyCommand({}))).KeyMetadata!.KeyId!;
      await kms.send(new EnableKeyRotationCommand({ KeyId, RotationPeriodInDays: 90 }));
      const status = await kms.send(new GetKeyRotationStatusCommand({ KeyId }));
      expect(status.KeyRotationEnabled).to.equal(true);
      expect(status.RotationPeriodInDays).to.equal(90);
      expect(status.NextRotationDate).to.be.instanceOf(Date);
      await kms.send(new DisableKeyRotationCommand({ KeyId }));
      expect((await kms.send(new GetKeyRotationStatusCommand({ KeyId }))).KeyRotationEnabled).to.equal(false);
    });

    it('rejects a rotation period outside 90–2560 days and rotation of asymmetric keys', async () => {
      const KeyId = (await kms.send(new CreateKeyCommand({}))).KeyMetadata!.KeyId!;
      for (const RotationPeriodInDays of [89, 2561]) {
        const err = await rejection(kms.send(new EnableKeyRotationCommand({ KeyId, RotationPeriodInDays })));
        expect(err.name).to.equal('ValidationException');
      }
      const hmac = (
        await kms.send(new CreateKeyCommand({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' }))
      ).KeyMetadata!.KeyId!;
      expect((await rejection(kms.send(new RotateKeyOnDemandCommand({ KeyId: hmac })))).name).to.equal(
        'UnsupportedOperationException',
      );
    });
  });

  describe(`multi-Region keys (${kind} store)`, () => {
    let h: Harness;
    let east: KMSClient;
    let west: KMSClient;
    beforeEach(() => {
      h = harness(kind);
      east = h.client('us-east-1');
      west = h.client('us-west-2');
    });
    afterEach(() => h.dispose());

    it('replicas decrypt each other’s blobs, also after rotation of the primary', async () => {
      const primary = (await east.send(new CreateKeyCommand({ MultiRegion: true }))).KeyMetadata!;
      const replica = await east.send(
        new ReplicateKeyCommand({ KeyId: primary.KeyId!, ReplicaRegion: 'us-west-2' }),
      );
      expect(replica.ReplicaKeyMetadata!.Arn).to.equal(primary.Arn!.replace('us-east-1', 'us-west-2'));
      expect(replica.ReplicaKeyMetadata!.MultiRegionConfiguration!.MultiRegionKeyType).to.equal('REPLICA');

      const fromEast = await east.send(
        new EncryptCommand({
          KeyId: primary.KeyId!,
          Plaintext: bytes('east'),
          EncryptionContext: { a: 'b' },
        }),
      );
      const inWest = await west.send(
        new DecryptCommand({ CiphertextBlob: fromEast.CiphertextBlob!, EncryptionContext: { a: 'b' } }),
      );
      expect(text(inWest.Plaintext)).to.equal('east');
      expect(inWest.KeyId).to.equal(replica.ReplicaKeyMetadata!.Arn);

      await east.send(new RotateKeyOnDemandCommand({ KeyId: primary.KeyId! }));
      const fromWest = await west.send(
        new EncryptCommand({ KeyId: primary.KeyId!, Plaintext: bytes('west') }),
      );
      expect(
        text((await east.send(new DecryptCommand({ CiphertextBlob: fromWest.CiphertextBlob! }))).Plaintext),
      ).to.equal('west');

      const described = (await east.send(new DescribeKeyCommand({ KeyId: primary.KeyId! }))).KeyMetadata!;
      expect(described.MultiRegionConfiguration!.ReplicaKeys!.map((r) => r.Region)).to.deep.equal([
        'us-west-2',
      ]);
    });

    it('rejects a replica that already exists and replication of a single-Region key', async () => {
      const primary = (await east.send(new CreateKeyCommand({ MultiRegion: true }))).KeyMetadata!;
      await east.send(new ReplicateKeyCommand({ KeyId: primary.KeyId!, ReplicaRegion: 'us-west-2' }));
      const again = await rejection(
        east.send(new ReplicateKeyCommand({ KeyId: primary.KeyId!, ReplicaRegion: 'us-west-2' })),
      );
      expect(again.name).to.equal('AlreadyExistsException');
      const single = (await east.send(new CreateKeyCommand({}))).KeyMetadata!;
      const err = await rejection(
        east.send(new ReplicateKeyCommand({ KeyId: single.KeyId!, ReplicaRegion: 'us-west-2' })),
      );
      expect(err.name).to.equal('UnsupportedOperationException');
    });

    it('moves the primary Region', async () => {
      const primary = (await east.send(new CreateKeyCommand({ MultiRegion: true }))).KeyMetadata!;
      await east.send(new ReplicateKeyCommand({ KeyId: primary.KeyId!, ReplicaRegion: 'us-west-2' }));
      await east.send(new UpdatePrimaryRegionCommand({ KeyId: primary.KeyId!, PrimaryRegion: 'us-west-2' }));
      const west2 = (await west.send(new DescribeKeyCommand({ KeyId: primary.KeyId! }))).KeyMetadata!;
      expect(west2.MultiRegionConfiguration!.MultiRegionKeyType).to.equal('PRIMARY');
      const east2 = (await east.send(new DescribeKeyCommand({ KeyId: primary.KeyId! }))).KeyMetadata!;
      expect(east2.MultiRegionConfiguration!.MultiRegionKeyType).to.equal('REPLICA');
    });
  });
}

describe('automatic rotation', () => {
  it('rotates when the period has elapsed and keeps old blobs decryptable', async () => {
    let now = Date.now();
    const h = harness('memory', {}, () => new Date(now));
    const kms = h.client();
    try {
      const KeyId = (await kms.send(new CreateKeyCommand({}))).KeyMetadata!.KeyId!;
      await kms.send(new EnableKeyRotationCommand({ KeyId, RotationPeriodInDays: 90 }));
      const old = await kms.send(new EncryptCommand({ KeyId, Plaintext: bytes('old') }));
      now += 91 * 86_400_000;
      expect(
        text((await kms.send(new DecryptCommand({ CiphertextBlob: old.CiphertextBlob! }))).Plaintext),
      ).to.equal('old');
      const { Rotations } = await kms.send(new ListKeyRotationsCommand({ KeyId }));
      expect(Rotations).to.have.length(1);
      expect(Rotations![0]!.RotationType).to.equal('AUTOMATIC');
    } finally {
      h.dispose();
    }
  });
});
