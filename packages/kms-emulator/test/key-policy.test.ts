import {
  CreateKeyCommand,
  DecryptCommand,
  DescribeKeyCommand,
  EncryptCommand,
  GenerateDataKeyCommand,
  GetKeyPolicyCommand,
  type KMSClient,
  PutKeyPolicyCommand,
} from '@aws-sdk/client-kms';
import { expect } from 'chai';
import { ACCOUNT, bytes, type Harness, harness, rejection, STORE_KINDS } from './helpers.js';

const ALICE = `arn:aws:iam::${ACCOUNT}:user/alice`;
const BOB = 'arn:aws:iam::444455556666:user/bob';
const PRINCIPALS = { AKIDALICE: ALICE, AKIDBOB: BOB };

const policy = (...statements: object[]) => JSON.stringify({ Version: '2012-10-17', Statement: statements });
const rootAllowsAll = {
  Sid: 'root',
  Effect: 'Allow',
  Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` },
  Action: 'kms:*',
  Resource: '*',
};

for (const kind of STORE_KINDS) {
  describe(`key policies (${kind} store)`, () => {
    let h: Harness;
    let admin: KMSClient;
    let alice: KMSClient;
    let bob: KMSClient;
    let keyId: string;
    beforeEach(async () => {
      h = harness(kind, PRINCIPALS);
      admin = h.client();
      alice = h.client('us-east-1', { accessKeyId: 'AKIDALICE' });
      bob = h.client('us-east-1', { accessKeyId: 'AKIDBOB' });
      keyId = (await admin.send(new CreateKeyCommand({}))).KeyMetadata!.KeyId!;
    });
    afterEach(() => h.dispose());

    it('has the AWS default policy (account root gets kms:*) named default', async () => {
      const { Policy, PolicyName } = await admin.send(
        new GetKeyPolicyCommand({ KeyId: keyId, PolicyName: 'default' }),
      );
      expect(PolicyName).to.equal('default');
      const doc = JSON.parse(Policy!);
      expect(doc.Statement[0]).to.deep.include({
        Effect: 'Allow',
        Action: 'kms:*',
        Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` },
      });
      // The account root stands for every principal in the account.
      await alice.send(new EncryptCommand({ KeyId: keyId, Plaintext: bytes('x') }));
    });

    it('denies another account with no allowance', async () => {
      const arn = `arn:aws:kms:us-east-1:${ACCOUNT}:key/${keyId}`;
      const err = await rejection(bob.send(new DescribeKeyCommand({ KeyId: arn })));
      expect(err.name).to.equal('AccessDeniedException');
      expect(err.message).to.contain(`User: ${BOB} is not authorized to perform: kms:DescribeKey`);
    });

    it('lets an explicit Deny win and audits the denial', async () => {
      await admin.send(
        new PutKeyPolicyCommand({
          KeyId: keyId,
          PolicyName: 'default',
          Policy: policy(rootAllowsAll, {
            Sid: 'no-alice-decrypt',
            Effect: 'Deny',
            Principal: { AWS: ALICE },
            Action: 'kms:Decrypt',
            Resource: '*',
          }),
        }),
      );
      const enc = await alice.send(new EncryptCommand({ KeyId: keyId, Plaintext: bytes('x') }));
      const err = await rejection(alice.send(new DecryptCommand({ CiphertextBlob: enc.CiphertextBlob! })));
      expect(err.name).to.equal('AccessDeniedException');
      expect(err.message).to.contain('explicit deny');
      await admin.send(new DecryptCommand({ CiphertextBlob: enc.CiphertextBlob! }));
      const denied = h.engine.auditLog({ keyId }).filter((e) => e.errorCode === 'AccessDeniedException');
      expect(denied).to.have.length(1);
      expect(denied[0]).to.deep.include({
        eventName: 'Decrypt',
        userIdentity: { type: 'IAMUser', arn: ALICE, accountId: ACCOUNT },
      });
    });

    it('supports wildcard actions and encryption-context conditions for another account', async () => {
      await admin.send(
        new PutKeyPolicyCommand({
          KeyId: keyId,
          Policy: policy(rootAllowsAll, {
            Effect: 'Allow',
            Principal: { AWS: [BOB] },
            Action: ['kms:Generate*', 'kms:Decrypt'],
            Resource: '*',
            Condition: {
              StringLike: { 'kms:EncryptionContext:tenant': 'bob-*' },
              StringEquals: { 'kms:CallerAccount': '444455556666' },
            },
          }),
        }),
      );
      const arn = `arn:aws:kms:us-east-1:${ACCOUNT}:key/${keyId}`;
      const dk = await bob.send(
        new GenerateDataKeyCommand({
          KeyId: arn,
          KeySpec: 'AES_256',
          EncryptionContext: { tenant: 'bob-1' },
        }),
      );
      await bob.send(
        new DecryptCommand({ CiphertextBlob: dk.CiphertextBlob!, EncryptionContext: { tenant: 'bob-1' } }),
      );
      const wrongCtx = await rejection(
        bob.send(
          new GenerateDataKeyCommand({
            KeyId: arn,
            KeySpec: 'AES_256',
            EncryptionContext: { tenant: 'eve' },
          }),
        ),
      );
      expect(wrongCtx.name).to.equal('AccessDeniedException');
      const notAllowed = await rejection(
        bob.send(
          new EncryptCommand({ KeyId: arn, Plaintext: bytes('x'), EncryptionContext: { tenant: 'bob-1' } }),
        ),
      );
      expect(notAllowed.name).to.equal('AccessDeniedException');
    });

    it('rejects a malformed or unsupported policy document', async () => {
      for (const Policy of [
        '{not json',
        policy({ Effect: 'Maybe', Principal: '*', Action: 'kms:*' }),
        policy({
          Effect: 'Allow',
          Principal: '*',
          Action: 'kms:*',
          Condition: { IpAddress: { 'aws:SourceIp': '1.2.3.4' } },
        }),
      ]) {
        const err = await rejection(admin.send(new PutKeyPolicyCommand({ KeyId: keyId, Policy })));
        expect(err.name).to.equal('MalformedPolicyDocumentException');
      }
    });
  });
}

describe('policy lockout safety check', () => {
  it('rejects a policy that would lock the caller out, unless bypassed', async () => {
    const h = harness('memory');
    const kms = h.client();
    try {
      const KeyId = (await kms.send(new CreateKeyCommand({}))).KeyMetadata!.KeyId!;
      const lockout = policy({
        Effect: 'Allow',
        Principal: { AWS: ALICE },
        Action: 'kms:Decrypt',
        Resource: '*',
      });
      const err = await rejection(kms.send(new PutKeyPolicyCommand({ KeyId, Policy: lockout })));
      expect(err.name).to.equal('MalformedPolicyDocumentException');
      expect(err.message).to.equal(
        'The new key policy will not allow you to update the key policy in the future.',
      );
      await kms.send(
        new PutKeyPolicyCommand({ KeyId, Policy: lockout, BypassPolicyLockoutSafetyCheck: true }),
      );
      const denied = await rejection(kms.send(new GetKeyPolicyCommand({ KeyId })));
      expect(denied.name).to.equal('AccessDeniedException');
      const create = await rejection(kms.send(new CreateKeyCommand({ Policy: lockout })));
      expect(create.name).to.equal('MalformedPolicyDocumentException');
    } finally {
      h.dispose();
    }
  });
});
