import {
  CreateGrantCommand,
  CreateKeyCommand,
  DecryptCommand,
  EncryptCommand,
  GenerateDataKeyCommand,
  type KMSClient,
  ListGrantsCommand,
  ListResourceTagsCommand,
  RetireGrantCommand,
  RevokeGrantCommand,
  TagResourceCommand,
} from '@aws-sdk/client-kms';
import { expect } from 'chai';
import { bytes, type Harness, harness, rejection, STORE_KINDS } from './helpers.js';

const BOB = 'arn:aws:iam::444455556666:user/bob';
const CAROL = 'arn:aws:iam::444455556666:user/carol';

for (const kind of STORE_KINDS) {
  describe(`AWS fidelity (${kind} store)`, () => {
    let h: Harness;
    let kms: KMSClient;
    let keyId: string;
    beforeEach(async () => {
      h = harness(kind);
      kms = h.client();
      keyId = (await kms.send(new CreateKeyCommand({}))).KeyMetadata!.KeyId!;
    });
    afterEach(() => h.dispose());

    describe('DryRun', () => {
      it('answers DryRunOperationException (412) instead of a ciphertext or a data key', async () => {
        for (const command of [
          new EncryptCommand({ KeyId: keyId, Plaintext: bytes('x'), DryRun: true }),
          new GenerateDataKeyCommand({ KeyId: keyId, KeySpec: 'AES_256', DryRun: true }),
        ]) {
          const err = await rejection(kms.send(command as EncryptCommand));
          expect(err.name).to.equal('DryRunOperationException');
          expect(err.message).to.equal('The request would have succeeded, but the DryRun option is set.');
          expect(err.$metadata?.httpStatusCode).to.equal(412);
        }
        const events = h.engine.auditLog({ keyId }).filter((e) => e.eventName !== 'CreateKey');
        expect(events.map((e) => e.errorCode)).to.deep.equal([
          'DryRunOperationException',
          'DryRunOperationException',
        ]);
      });

      it('still answers the error the call would have failed with', async () => {
        const enc = await kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: bytes('x') }));
        const wrongContext = await rejection(
          kms.send(
            new DecryptCommand({
              CiphertextBlob: enc.CiphertextBlob!,
              EncryptionContext: { a: 'b' },
              DryRun: true,
            }),
          ),
        );
        expect(wrongContext.name).to.equal('InvalidCiphertextException');
        const missing = await rejection(
          kms.send(new EncryptCommand({ KeyId: 'alias/none', Plaintext: bytes('x'), DryRun: true })),
        );
        expect(missing.name).to.equal('NotFoundException');
      });

      it('writes nothing: a dry-run CreateGrant, RetireGrant or RevokeGrant leaves the grants as they were', async () => {
        const dry = await rejection(
          kms.send(
            new CreateGrantCommand({
              KeyId: keyId,
              GranteePrincipal: BOB,
              Operations: ['Encrypt'],
              DryRun: true,
            }),
          ),
        );
        expect(dry.name).to.equal('DryRunOperationException');
        expect((await kms.send(new ListGrantsCommand({ KeyId: keyId }))).Grants).to.deep.equal([]);
        const grant = await kms.send(
          new CreateGrantCommand({ KeyId: keyId, GranteePrincipal: BOB, Operations: ['Encrypt'] }),
        );
        for (const command of [
          new RevokeGrantCommand({ KeyId: keyId, GrantId: grant.GrantId!, DryRun: true }),
          new RetireGrantCommand({ GrantToken: grant.GrantToken!, DryRun: true }),
        ]) {
          const err = await rejection(kms.send(command as RevokeGrantCommand));
          expect(err.name).to.equal('DryRunOperationException');
        }
        expect((await kms.send(new ListGrantsCommand({ KeyId: keyId }))).Grants).to.have.length(1);
      });
    });

    describe('tags', () => {
      it('refuses tag keys beginning aws: in any letter case', async () => {
        for (const TagKey of ['aws:x', 'AWS:x', 'Aws:x', 'aWs:']) {
          const err = await rejection(
            kms.send(new TagResourceCommand({ KeyId: keyId, Tags: [{ TagKey, TagValue: 'y' }] })),
          );
          expect(err.name, TagKey).to.equal('TagException');
          const create = await rejection(
            kms.send(new CreateKeyCommand({ Tags: [{ TagKey, TagValue: 'y' }] })),
          );
          expect(create.name, TagKey).to.equal('TagException');
        }
        expect((await kms.send(new ListResourceTagsCommand({ KeyId: keyId }))).Tags).to.deep.equal([]);
      });

      it('refuses a request that names one tag key twice', async () => {
        const tags = [
          { TagKey: 'env', TagValue: 'dev' },
          { TagKey: 'env', TagValue: 'prod' },
        ];
        const err = await rejection(kms.send(new TagResourceCommand({ KeyId: keyId, Tags: tags })));
        expect(err.name).to.equal('TagException');
        expect(err.message).to.contain("'env'");
        const create = await rejection(kms.send(new CreateKeyCommand({ Tags: tags })));
        expect(create.name).to.equal('TagException');
        expect((await kms.send(new ListResourceTagsCommand({ KeyId: keyId }))).Tags).to.deep.equal([]);
      });
    });

    describe('CreateGrant by Name', () => {
      it('returns the existing grant for a retry with identical parameters', async () => {
        const request = {
          KeyId: keyId,
          GranteePrincipal: BOB,
          Operations: ['Encrypt', 'Decrypt'] as ('Encrypt' | 'Decrypt')[],
          Name: 'app',
          Constraints: { EncryptionContextSubset: { a: '1', b: '2' } },
        };
        const first = await kms.send(new CreateGrantCommand(request));
        const retry = await kms.send(
          new CreateGrantCommand({
            ...request,
            Operations: ['Decrypt', 'Encrypt'],
            Constraints: { EncryptionContextSubset: { b: '2', a: '1' } },
          }),
        );
        expect(retry.GrantId).to.equal(first.GrantId);
        expect((await kms.send(new ListGrantsCommand({ KeyId: keyId }))).Grants).to.have.length(1);
      });

      it('refuses the same Name with different parameters instead of making or returning another grant', async () => {
        const first = await kms.send(
          new CreateGrantCommand({
            KeyId: keyId,
            GranteePrincipal: BOB,
            Operations: ['Encrypt'],
            Name: 'app',
          }),
        );
        for (const other of [
          { GranteePrincipal: CAROL, Operations: ['Encrypt' as const] },
          { GranteePrincipal: BOB, Operations: ['Encrypt' as const, 'Decrypt' as const] },
          { GranteePrincipal: BOB, Operations: ['Encrypt' as const], RetiringPrincipal: CAROL },
          {
            GranteePrincipal: BOB,
            Operations: ['Encrypt' as const],
            Constraints: { EncryptionContextEquals: { a: '1' } },
          },
        ]) {
          const err = await rejection(
            kms.send(new CreateGrantCommand({ KeyId: keyId, Name: 'app', ...other })),
          );
          expect(err.name, JSON.stringify(other)).to.equal('ValidationException');
          expect(err.message).to.contain("A grant named 'app' already exists");
        }
        const { Grants } = await kms.send(new ListGrantsCommand({ KeyId: keyId }));
        expect(Grants!.map((g) => [g.GrantId, g.GranteePrincipal, g.Operations])).to.deep.equal([
          [first.GrantId, BOB, ['Encrypt']],
        ]);
      });
    });

    it('refuses grant members it cannot enforce rather than granting more than asked', async () => {
      for (const extra of [
        { Constraints: { SourceArn: 'arn:aws:s3:::bucket' } },
        { GranteeServicePrincipal: 'logs.amazonaws.com' },
        { RetiringServicePrincipal: 'logs.amazonaws.com' },
      ]) {
        const err = await rejection(
          kms.send(
            new CreateGrantCommand({
              KeyId: keyId,
              GranteePrincipal: BOB,
              Operations: ['Decrypt'],
              ...extra,
            }),
          ),
        );
        expect(err.name, JSON.stringify(extra)).to.equal('UnsupportedOperationException');
      }
      expect((await kms.send(new ListGrantsCommand({ KeyId: keyId }))).Grants).to.deep.equal([]);
    });

    describe('bounds', () => {
      it('answers ValidationException for an encryption context over 8192 bytes, by value size or pair count', async () => {
        const big = { k: 'v'.repeat(70 * 1024) };
        const many = Object.fromEntries(Array.from({ length: 70_000 }, (_, i) => [`k${i}`, '']));
        for (const [context, commands] of [
          [big, ['Encrypt', 'GenerateDataKey']],
          [many, ['Encrypt']],
        ] as const) {
          for (const command of commands.map((name) =>
            name === 'Encrypt'
              ? new EncryptCommand({ KeyId: keyId, Plaintext: bytes('x'), EncryptionContext: context })
              : new GenerateDataKeyCommand({ KeyId: keyId, KeySpec: 'AES_256', EncryptionContext: context }),
          )) {
            const err = await rejection(kms.send(command as EncryptCommand));
            expect(err.name).to.equal('ValidationException');
            expect(err.$metadata?.httpStatusCode).to.equal(400);
            expect(err.message).to.contain('less than or equal to 8192');
            expect(err.message.length).to.be.lessThan(400);
          }
        }
        const atLimit = { k: 'v'.repeat(8191) };
        const enc = await kms.send(
          new EncryptCommand({ KeyId: keyId, Plaintext: bytes('x'), EncryptionContext: atLimit }),
        );
        await kms.send(
          new DecryptCommand({ CiphertextBlob: enc.CiphertextBlob!, EncryptionContext: atLimit }),
        );
      });

      it('never echoes a grant token into an error or the audit log, however long', async () => {
        const token = `gt1.${'A'.repeat(9000)}.secretsecret`;
        const err = await rejection(kms.send(new RetireGrantCommand({ GrantToken: token })));
        expect(err.name).to.equal('ValidationException');
        expect(err.message).to.contain('grantToken');
        expect(err.message).not.to.contain('AAAAAAAA');
        const listed = await rejection(
          kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: bytes('x'), GrantTokens: [token] })),
        );
        expect(listed.name).to.equal('ValidationException');
        expect(listed.message).not.to.contain('AAAAAAAA');
        const empty = await rejection(
          kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: bytes('x'), GrantTokens: [''] })),
        );
        expect(empty.message).to.contain(
          "at 'grantTokens' failed to satisfy constraint: Member must have length greater than or equal to 1",
        );
        const audit = JSON.stringify(h.engine.auditLog());
        expect(audit).not.to.contain('AAAAAAAA');
        expect(audit).not.to.contain('secretsecret');
      });

      it('cuts long values echoed in validation errors', async () => {
        const err = await rejection(kms.send(new CreateKeyCommand({ Description: 'd'.repeat(9000) })));
        expect(err.name).to.equal('ValidationException');
        expect(err.message).to.contain('(9000 characters)');
        expect(err.message.length).to.be.lessThan(600);
        expect(JSON.stringify(h.engine.auditLog()).length).to.be.lessThan(20_000);
      });

      it('keeps the audit event of a refused call small: an oversized member is noted, not stored', async () => {
        const huge = Object.fromEntries(Array.from({ length: 20_000 }, (_, i) => [`key${i}`, 'value']));
        const err = await rejection(
          kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: bytes('x'), EncryptionContext: huge })),
        );
        expect(err.name).to.equal('ValidationException');
        const [event] = h.engine.auditLog().filter((e) => e.eventName === 'Encrypt');
        expect(event!.requestParameters.keyId).to.equal(keyId);
        expect(event!.requestParameters.encryptionContext).to.match(
          /^\(omitted from the audit log: \d+ characters/,
        );
        expect(JSON.stringify(event).length).to.be.lessThan(5_000);
      });
    });
  });
}
