import {
  CancelKeyDeletionCommand,
  CreateKeyCommand,
  DescribeKeyCommand,
  DisableKeyCommand,
  EnableKeyCommand,
  EncryptCommand,
  type KMSClient,
  ListKeysCommand,
  ScheduleKeyDeletionCommand,
  UpdateKeyDescriptionCommand,
} from '@aws-sdk/client-kms';
import { expect } from 'chai';
import { ACCOUNT, bytes, type Harness, harness, rejection, STORE_KINDS } from './helpers.js';

for (const kind of STORE_KINDS) {
  describe(`key lifecycle (${kind} store)`, () => {
    let h: Harness;
    let kms: KMSClient;
    beforeEach(() => {
      h = harness(kind);
      kms = h.client();
    });
    afterEach(() => h.dispose());

    it('creates a symmetric key with the full KeyMetadata shape', async () => {
      const { KeyMetadata: m } = await kms.send(
        new CreateKeyCommand({ Description: 'orders', Tags: [{ TagKey: 'team', TagValue: 'a' }] }),
      );
      expect(m!.KeyId).to.match(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(m!.Arn).to.equal(`arn:aws:kms:us-east-1:${ACCOUNT}:key/${m!.KeyId}`);
      expect(m).to.include({
        AWSAccountId: ACCOUNT,
        Enabled: true,
        Description: 'orders',
        KeyUsage: 'ENCRYPT_DECRYPT',
        KeyState: 'Enabled',
        Origin: 'AWS_KMS',
        KeyManager: 'CUSTOMER',
        KeySpec: 'SYMMETRIC_DEFAULT',
        CustomerMasterKeySpec: 'SYMMETRIC_DEFAULT',
        MultiRegion: false,
      });
      expect(m!.EncryptionAlgorithms).to.deep.equal(['SYMMETRIC_DEFAULT']);
      expect(m!.CreationDate).to.be.instanceOf(Date);
      expect(m!.SigningAlgorithms).to.equal(undefined);
    });

    it('creates RSA, ECC and HMAC keys with their algorithms', async () => {
      const rsa = await kms.send(new CreateKeyCommand({ KeySpec: 'RSA_2048', KeyUsage: 'SIGN_VERIFY' }));
      expect(rsa.KeyMetadata!.SigningAlgorithms).to.include('RSASSA_PSS_SHA_256');
      const rsaEnc = await kms.send(
        new CreateKeyCommand({ KeySpec: 'RSA_2048', KeyUsage: 'ENCRYPT_DECRYPT' }),
      );
      expect(rsaEnc.KeyMetadata!.EncryptionAlgorithms).to.deep.equal([
        'RSAES_OAEP_SHA_1',
        'RSAES_OAEP_SHA_256',
      ]);
      const ecc = await kms.send(new CreateKeyCommand({ KeySpec: 'ECC_NIST_P384', KeyUsage: 'SIGN_VERIFY' }));
      expect(ecc.KeyMetadata!.SigningAlgorithms).to.deep.equal(['ECDSA_SHA_384']);
      const hmac = await kms.send(
        new CreateKeyCommand({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' }),
      );
      expect(hmac.KeyMetadata!.MacAlgorithms).to.deep.equal(['HMAC_SHA_256']);
    });

    it('creates multi-Region keys with mrk- ids', async () => {
      const { KeyMetadata: m } = await kms.send(new CreateKeyCommand({ MultiRegion: true }));
      expect(m!.KeyId).to.match(/^mrk-[0-9a-f]{32}$/);
      expect(m!.MultiRegionConfiguration!.MultiRegionKeyType).to.equal('PRIMARY');
    });

    it('rejects a key usage the key spec does not allow', async () => {
      const err = await rejection(
        kms.send(new CreateKeyCommand({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'ENCRYPT_DECRYPT' })),
      );
      expect(err.name).to.equal('ValidationException');
      const hmac = await rejection(kms.send(new CreateKeyCommand({ KeySpec: 'HMAC_256' })));
      expect(hmac.name).to.equal('ValidationException');
    });

    it('rejects an unknown key spec', async () => {
      const err = await rejection(kms.send(new CreateKeyCommand({ KeySpec: 'AES_999' as never })));
      expect(err.name).to.equal('ValidationException');
      expect(err.message).to.contain("at 'keySpec'");
    });

    it('rejects an unknown key with AWS message shape', async () => {
      const id = '00000000-0000-4000-8000-000000000000';
      const err = await rejection(kms.send(new DescribeKeyCommand({ KeyId: id })));
      expect(err.name).to.equal('NotFoundException');
      expect(err.message).to.equal(`Key 'arn:aws:kms:us-east-1:${ACCOUNT}:key/${id}' does not exist`);
      expect(err.$metadata?.httpStatusCode).to.equal(400);
    });

    it('does not find a key from another region', async () => {
      const { KeyMetadata } = await kms.send(new CreateKeyCommand({}));
      const err = await rejection(
        h.client('eu-west-1').send(new DescribeKeyCommand({ KeyId: KeyMetadata!.KeyId! })),
      );
      expect(err.name).to.equal('NotFoundException');
    });

    it('lists keys with Limit and Marker', async () => {
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) ids.push((await kms.send(new CreateKeyCommand({}))).KeyMetadata!.KeyId!);
      const first = await kms.send(new ListKeysCommand({ Limit: 2 }));
      expect(first.Truncated).to.equal(true);
      const seen = first.Keys!.map((k) => k.KeyId);
      let marker = first.NextMarker;
      while (marker) {
        const page = await kms.send(new ListKeysCommand({ Limit: 2, Marker: marker }));
        seen.push(...page.Keys!.map((k) => k.KeyId));
        marker = page.NextMarker;
      }
      expect(seen).to.have.members(ids);
      const bad = await rejection(kms.send(new ListKeysCommand({ Marker: 'bm9wZQ' })));
      expect(bad.name).to.equal('InvalidMarkerException');
    });

    it('disables and re-enables a key; a disabled key refuses to encrypt', async () => {
      const KeyId = (await kms.send(new CreateKeyCommand({}))).KeyMetadata!.KeyId!;
      await kms.send(new DisableKeyCommand({ KeyId }));
      const err = await rejection(kms.send(new EncryptCommand({ KeyId, Plaintext: bytes('x') })));
      expect(err.name).to.equal('DisabledException');
      expect(err.message).to.contain('is disabled');
      expect((await kms.send(new DescribeKeyCommand({ KeyId }))).KeyMetadata!.KeyState).to.equal('Disabled');
      await kms.send(new EnableKeyCommand({ KeyId }));
      await kms.send(new EncryptCommand({ KeyId, Plaintext: bytes('x') }));
    });

    it('schedules deletion (default 30 days), refuses use, and cancels to Disabled', async () => {
      const KeyId = (await kms.send(new CreateKeyCommand({}))).KeyMetadata!.KeyId!;
      const scheduled = await kms.send(new ScheduleKeyDeletionCommand({ KeyId }));
      expect(scheduled.PendingWindowInDays).to.equal(30);
      expect(scheduled.KeyState).to.equal('PendingDeletion');
      expect(scheduled.DeletionDate!.getTime() - Date.now()).to.be.closeTo(30 * 86_400_000, 60_000);
      const m = (await kms.send(new DescribeKeyCommand({ KeyId }))).KeyMetadata!;
      expect(m.KeyState).to.equal('PendingDeletion');
      expect(m.PendingDeletionWindowInDays).to.equal(30);
      const err = await rejection(kms.send(new EncryptCommand({ KeyId, Plaintext: bytes('x') })));
      expect(err.name).to.equal('KMSInvalidStateException');
      await kms.send(new CancelKeyDeletionCommand({ KeyId }));
      expect((await kms.send(new DescribeKeyCommand({ KeyId }))).KeyMetadata!.KeyState).to.equal('Disabled');
    });

    it('rejects a deletion window outside 7–30 days', async () => {
      const KeyId = (await kms.send(new CreateKeyCommand({}))).KeyMetadata!.KeyId!;
      for (const PendingWindowInDays of [6, 31]) {
        const err = await rejection(kms.send(new ScheduleKeyDeletionCommand({ KeyId, PendingWindowInDays })));
        expect(err.name).to.equal('ValidationException');
      }
      await kms.send(new ScheduleKeyDeletionCommand({ KeyId, PendingWindowInDays: 7 }));
    });

    it('rejects cancelling deletion of a key that is not pending deletion', async () => {
      const KeyId = (await kms.send(new CreateKeyCommand({}))).KeyMetadata!.KeyId!;
      const err = await rejection(kms.send(new CancelKeyDeletionCommand({ KeyId })));
      expect(err.name).to.equal('KMSInvalidStateException');
    });

    it('updates the description', async () => {
      const KeyId = (await kms.send(new CreateKeyCommand({}))).KeyMetadata!.KeyId!;
      await kms.send(new UpdateKeyDescriptionCommand({ KeyId, Description: 'new' }));
      expect((await kms.send(new DescribeKeyCommand({ KeyId }))).KeyMetadata!.Description).to.equal('new');
    });
  });
}

describe('scheduled deletion', () => {
  it('deletes the key once the window has passed', async () => {
    let now = Date.now();
    const h = harness('memory', {}, () => new Date(now));
    const kms = h.client();
    try {
      const KeyId = (await kms.send(new CreateKeyCommand({}))).KeyMetadata!.KeyId!;
      await kms.send(new ScheduleKeyDeletionCommand({ KeyId, PendingWindowInDays: 7 }));
      now += 8 * 86_400_000;
      const err = await rejection(kms.send(new DescribeKeyCommand({ KeyId })));
      expect(err.name).to.equal('NotFoundException');
    } finally {
      h.dispose();
    }
  });
});

describe('key specs', () => {
  it('creates every key spec with its default or required usage', async () => {
    const h = harness('memory');
    const kms = h.client();
    try {
      const specs = [
        ['SYMMETRIC_DEFAULT', 'ENCRYPT_DECRYPT'],
        ['RSA_3072', 'SIGN_VERIFY'],
        ['RSA_4096', 'ENCRYPT_DECRYPT'],
        ['ECC_NIST_P256', 'SIGN_VERIFY'],
        ['ECC_NIST_P521', 'SIGN_VERIFY'],
        ['HMAC_224', 'GENERATE_VERIFY_MAC'],
        ['HMAC_512', 'GENERATE_VERIFY_MAC'],
      ] as const;
      for (const [KeySpec, KeyUsage] of specs) {
        const { KeyMetadata } = await kms.send(new CreateKeyCommand({ KeySpec, KeyUsage }));
        expect(KeyMetadata).to.include({ KeySpec, KeyUsage });
      }
    } finally {
      h.dispose();
    }
  });

  it('purges an expired multi-Region replica from the primary’s configuration', async () => {
    let now = Date.now();
    const h = harness('sqlite', {}, () => new Date(now));
    try {
      const east = h.client('us-east-1');
      const west = h.client('us-west-2');
      const { ReplicateKeyCommand } = await import('@aws-sdk/client-kms');
      const KeyId = (await east.send(new CreateKeyCommand({ MultiRegion: true }))).KeyMetadata!.KeyId!;
      await east.send(new ReplicateKeyCommand({ KeyId, ReplicaRegion: 'us-west-2' }));
      await west.send(new ScheduleKeyDeletionCommand({ KeyId, PendingWindowInDays: 7 }));
      now += 8 * 86_400_000;
      expect((await west.send(new ListKeysCommand({}))).Keys).to.deep.equal([]);
      const primary = (await east.send(new DescribeKeyCommand({ KeyId }))).KeyMetadata!;
      expect(primary.MultiRegionConfiguration!.ReplicaKeys).to.deep.equal([]);
    } finally {
      h.dispose();
    }
  });
});
