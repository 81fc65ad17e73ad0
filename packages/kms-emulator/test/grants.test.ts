import {
  CreateGrantCommand,
  CreateKeyCommand,
  DecryptCommand,
  EncryptCommand,
  GenerateDataKeyCommand,
  type KMSClient,
  ListGrantsCommand,
  RetireGrantCommand,
  RevokeGrantCommand,
} from '@aws-sdk/client-kms';
import { expect } from 'chai';
import { ACCOUNT, bytes, type Harness, harness, rejection, STORE_KINDS } from './helpers.js';

const ALICE = `arn:aws:iam::${ACCOUNT}:user/alice`;
const BOB = 'arn:aws:iam::444455556666:user/bob';
const PRINCIPALS = { AKIDALICE: ALICE, AKIDBOB: BOB };

for (const kind of STORE_KINDS) {
  describe(`grants (${kind} store)`, () => {
    let h: Harness;
    let admin: KMSClient;
    let bob: KMSClient;
    let keyArn: string;
    beforeEach(async () => {
      h = harness(kind, PRINCIPALS);
      admin = h.client();
      bob = h.client('us-east-1', { accessKeyId: 'AKIDBOB' });
      keyArn = (await admin.send(new CreateKeyCommand({}))).KeyMetadata!.Arn!;
    });
    afterEach(() => h.dispose());

    it('allows exactly the granted operations to the grantee, then retires by token', async () => {
      const before = await rejection(bob.send(new EncryptCommand({ KeyId: keyArn, Plaintext: bytes('x') })));
      expect(before.name).to.equal('AccessDeniedException');
      const grant = await admin.send(
        new CreateGrantCommand({
          KeyId: keyArn,
          GranteePrincipal: BOB,
          Operations: ['Encrypt', 'Decrypt'],
          RetiringPrincipal: BOB,
          Name: 'bob',
        }),
      );
      expect(grant.GrantId).to.be.a('string');
      const enc = await bob.send(
        new EncryptCommand({ KeyId: keyArn, Plaintext: bytes('x'), GrantTokens: [grant.GrantToken!] }),
      );
      await bob.send(new DecryptCommand({ CiphertextBlob: enc.CiphertextBlob! }));
      const notGranted = await rejection(
        bob.send(new GenerateDataKeyCommand({ KeyId: keyArn, KeySpec: 'AES_256' })),
      );
      expect(notGranted.name).to.equal('AccessDeniedException');

      const { Grants } = await admin.send(new ListGrantsCommand({ KeyId: keyArn }));
      expect(Grants).to.have.length(1);
      expect(Grants![0]).to.deep.include({
        GrantId: grant.GrantId,
        GranteePrincipal: BOB,
        Name: 'bob',
        Operations: ['Encrypt', 'Decrypt'],
      });

      await bob.send(new RetireGrantCommand({ GrantToken: grant.GrantToken! }));
      expect((await admin.send(new ListGrantsCommand({ KeyId: keyArn }))).Grants).to.have.length(0);
      const after = await rejection(bob.send(new EncryptCommand({ KeyId: keyArn, Plaintext: bytes('x') })));
      expect(after.name).to.equal('AccessDeniedException');
    });

    it('enforces EncryptionContextSubset and EncryptionContextEquals constraints', async () => {
      await admin.send(
        new CreateGrantCommand({
          KeyId: keyArn,
          GranteePrincipal: BOB,
          Operations: ['Encrypt'],
          Constraints: { EncryptionContextSubset: { app: 'x' } },
        }),
      );
      await bob.send(
        new EncryptCommand({
          KeyId: keyArn,
          Plaintext: bytes('x'),
          EncryptionContext: { app: 'x', more: '1' },
        }),
      );
      expect(
        (await rejection(bob.send(new EncryptCommand({ KeyId: keyArn, Plaintext: bytes('x') })))).name,
      ).to.equal('AccessDeniedException');
      await admin.send(
        new CreateGrantCommand({
          KeyId: keyArn,
          GranteePrincipal: BOB,
          Operations: ['GenerateDataKey'],
          Constraints: { EncryptionContextEquals: { app: 'y' } },
        }),
      );
      await bob.send(
        new GenerateDataKeyCommand({ KeyId: keyArn, KeySpec: 'AES_256', EncryptionContext: { app: 'y' } }),
      );
      const extra = await rejection(
        bob.send(
          new GenerateDataKeyCommand({
            KeyId: keyArn,
            KeySpec: 'AES_256',
            EncryptionContext: { app: 'y', b: '1' },
          }),
        ),
      );
      expect(extra.name).to.equal('AccessDeniedException');
    });

    it('revokes a grant by id and retires by KeyId + GrantId', async () => {
      const g1 = await admin.send(
        new CreateGrantCommand({ KeyId: keyArn, GranteePrincipal: BOB, Operations: ['Encrypt'] }),
      );
      await admin.send(new RevokeGrantCommand({ KeyId: keyArn, GrantId: g1.GrantId! }));
      expect(
        (await rejection(bob.send(new EncryptCommand({ KeyId: keyArn, Plaintext: bytes('x') })))).name,
      ).to.equal('AccessDeniedException');
      const g2 = await admin.send(
        new CreateGrantCommand({ KeyId: keyArn, GranteePrincipal: BOB, Operations: ['Encrypt'] }),
      );
      await admin.send(new RetireGrantCommand({ KeyId: keyArn, GrantId: g2.GrantId! }));
      expect((await admin.send(new ListGrantsCommand({ KeyId: keyArn }))).Grants).to.have.length(0);
    });

    it('rejects malformed grant tokens, unknown grant ids and unknown operations', async () => {
      const bad = await rejection(
        admin.send(new EncryptCommand({ KeyId: keyArn, Plaintext: bytes('x'), GrantTokens: ['nope'] })),
      );
      expect(bad.name).to.equal('InvalidGrantTokenException');
      const tooMany = await rejection(
        admin.send(
          new EncryptCommand({
            KeyId: keyArn,
            Plaintext: bytes('x'),
            GrantTokens: Array(11).fill('gt1.a.b'),
          }),
        ),
      );
      expect(tooMany.name).to.equal('ValidationException');
      const unknownId = await rejection(
        admin.send(new RetireGrantCommand({ KeyId: keyArn, GrantId: 'f'.repeat(64) })),
      );
      expect(unknownId.name).to.equal('InvalidGrantIdException');
      const op = await rejection(
        admin.send(
          new CreateGrantCommand({ KeyId: keyArn, GranteePrincipal: BOB, Operations: ['Destroy' as never] }),
        ),
      );
      expect(op.name).to.equal('ValidationException');
    });

    it('rejects retirement by a principal that is neither retiring principal nor grantee', async () => {
      const g = await admin.send(
        new CreateGrantCommand({ KeyId: keyArn, GranteePrincipal: ALICE, Operations: ['Encrypt'] }),
      );
      const err = await rejection(bob.send(new RetireGrantCommand({ GrantToken: g.GrantToken! })));
      expect(err.name).to.equal('AccessDeniedException');
    });
  });
}
