import {
  CreateKeyCommand,
  DecryptCommand,
  DescribeKeyCommand,
  EncryptCommand,
  GenerateDataKeyCommand,
} from '@aws-sdk/client-kms';
import { expect } from 'chai';
import { auditParameters } from '../src/index.js';
import { ACCOUNT, bytes, harness, rejection, STORE_KINDS } from './helpers.js';

describe('audit parameters', () => {
  it('note a member too large to record instead of storing it', () => {
    const params = auditParameters({
      KeyId: 'k',
      Description: 'x'.repeat(50_000),
      Policy: 'p'.repeat(32_768),
    });
    expect(params.keyId).to.equal('k');
    expect(params.policy).to.have.length(32_768);
    expect(params.description).to.equal(
      '(omitted from the audit log: 50002 characters, over the 40000-character limit)',
    );
  });
});

for (const kind of STORE_KINDS) {
  describe(`audit log (${kind} store)`, () => {
    it('records every call, successes and failures, in CloudTrail shape', async () => {
      const h = harness(kind);
      const kms = h.client();
      try {
        const start = new Date(Date.now() - 1000);
        const { KeyMetadata } = await kms.send(new CreateKeyCommand({ Description: 'audited' }));
        const enc = await kms.send(
          new EncryptCommand({
            KeyId: KeyMetadata!.KeyId!,
            Plaintext: bytes('top secret'),
            EncryptionContext: { a: 'b' },
          }),
        );
        const dec = await kms.send(
          new DecryptCommand({ CiphertextBlob: enc.CiphertextBlob!, EncryptionContext: { a: 'b' } }),
        );
        await rejection(kms.send(new DecryptCommand({ CiphertextBlob: enc.CiphertextBlob! })));
        await rejection(kms.send(new DescribeKeyCommand({ KeyId: 'alias/missing' })));

        const events = h.engine.auditLog({ since: start });
        expect(events.map((e) => e.eventName)).to.deep.equal([
          'CreateKey',
          'Encrypt',
          'Decrypt',
          'Decrypt',
          'DescribeKey',
        ]);
        const [create, encrypt, decrypt, failed, missing] = events;
        expect(create!.resources[0]!.ARN).to.equal(KeyMetadata!.Arn);
        expect(encrypt).to.deep.include({
          eventSource: 'kms.amazonaws.com',
          awsRegion: 'us-east-1',
          userIdentity: { type: 'Root', arn: `arn:aws:iam::${ACCOUNT}:root`, accountId: ACCOUNT },
        });
        expect(encrypt!.requestParameters).to.deep.equal({
          keyId: KeyMetadata!.KeyId,
          encryptionContext: { a: 'b' },
        });
        expect(encrypt!.requestID).to.be.a('string');
        expect(decrypt!.errorCode).to.equal(undefined);
        expect(decrypt!.requestID).to.equal(dec.$metadata.requestId);
        expect(failed!.errorCode).to.equal('InvalidCiphertextException');
        expect(missing!.errorCode).to.equal('NotFoundException');
        expect(missing!.errorMessage).to.contain('alias/missing');
        expect(JSON.stringify(events)).not.to.contain('top secret');
        expect(JSON.stringify(events)).not.to.contain(Buffer.from('top secret').toString('base64'));
      } finally {
        h.dispose();
      }
    });

    it('filters by key id or ARN and never logs data key plaintext', async () => {
      const h = harness(kind);
      const kms = h.client();
      try {
        const a = (await kms.send(new CreateKeyCommand({}))).KeyMetadata!;
        const b = (await kms.send(new CreateKeyCommand({}))).KeyMetadata!;
        const dk = await kms.send(new GenerateDataKeyCommand({ KeyId: a.KeyId!, KeySpec: 'AES_256' }));
        await kms.send(new DescribeKeyCommand({ KeyId: b.Arn! }));
        expect(h.engine.auditLog({ keyId: a.KeyId! }).map((e) => e.eventName)).to.deep.equal([
          'CreateKey',
          'GenerateDataKey',
        ]);
        expect(h.engine.auditLog({ keyId: b.Arn! }).map((e) => e.eventName)).to.deep.equal([
          'CreateKey',
          'DescribeKey',
        ]);
        expect(JSON.stringify(h.engine.auditLog())).not.to.contain(
          Buffer.from(dk.Plaintext!).toString('base64'),
        );
        expect(h.engine.auditLog({ since: new Date(Date.now() + 60_000) })).to.deep.equal([]);
      } finally {
        h.dispose();
      }
    });
  });
}
