import {
  CreateAliasCommand,
  CreateKeyCommand,
  DecryptCommand,
  DescribeKeyCommand,
  DisableKeyCommand,
  EncryptCommand,
  GenerateDataKeyCommand,
  ReEncryptCommand,
  ReplicateKeyCommand,
} from '@aws-sdk/client-kms';
import { expect } from 'chai';
import { KmsError } from '../src/index.js';
import { ACCOUNT, bytes, type Harness, harness, rejection } from './helpers.js';

describe('keys are scoped to their region', () => {
  let h: Harness;
  beforeEach(() => {
    h = harness('memory');
  });
  afterEach(() => h.dispose());

  it('answers NotFoundException for a key ARN from another region, and leaves the key alone', async () => {
    const east = h.client('us-east-1');
    const eu = h.client('eu-west-1');
    const key = (await east.send(new CreateKeyCommand({}))).KeyMetadata!;
    const { CiphertextBlob } = await east.send(
      new EncryptCommand({ KeyId: key.Arn!, Plaintext: bytes('x') }),
    );
    const calls = [
      () => eu.send(new DecryptCommand({ KeyId: key.Arn!, CiphertextBlob })),
      () => eu.send(new GenerateDataKeyCommand({ KeyId: key.Arn!, KeySpec: 'AES_256' })),
      () => eu.send(new EncryptCommand({ KeyId: key.Arn!, Plaintext: bytes('x') })),
      () => eu.send(new DisableKeyCommand({ KeyId: key.Arn! })),
      () => eu.send(new DescribeKeyCommand({ KeyId: key.Arn! })),
      () =>
        eu.send(new ReEncryptCommand({ CiphertextBlob, SourceKeyId: key.Arn!, DestinationKeyId: key.Arn! })),
    ];
    for (const call of calls) {
      const err = await rejection(call());
      expect(err.name).to.equal('NotFoundException');
      expect(err.message).to.equal(`Key '${key.Arn}' does not exist`);
    }
    // Without a KeyId the blob's key is looked up in the caller's region, where it does not exist.
    expect((await rejection(eu.send(new DecryptCommand({ CiphertextBlob })))).name).to.equal(
      'NotFoundException',
    );
    const still = await east.send(new DescribeKeyCommand({ KeyId: key.KeyId! }));
    expect(still.KeyMetadata!.KeyState).to.equal('Enabled');
  });

  it('answers NotFoundException for an alias ARN from another region', async () => {
    const east = h.client('us-east-1');
    const key = (await east.send(new CreateKeyCommand({}))).KeyMetadata!;
    await east.send(new CreateAliasCommand({ AliasName: 'alias/app', TargetKeyId: key.KeyId! }));
    const aliasArn = `arn:aws:kms:us-east-1:${ACCOUNT}:alias/app`;
    await east.send(new DescribeKeyCommand({ KeyId: aliasArn }));
    const err = await rejection(h.client('eu-west-1').send(new DescribeKeyCommand({ KeyId: aliasArn })));
    expect(err.name).to.equal('NotFoundException');
    expect(err.message).to.equal(`Alias '${aliasArn}' is not found.`);
  });

  it('fails over to nothing: with us-east-1 down, a eu-west-1 call cannot use the us-east-1 key', async () => {
    const east = h.client('us-east-1');
    const eu = h.client('eu-west-1');
    const key = (await east.send(new CreateKeyCommand({}))).KeyMetadata!;
    const { CiphertextBlob } = await east.send(
      new EncryptCommand({ KeyId: key.Arn!, Plaintext: bytes('x') }),
    );
    h.engine.faults.regionDown('us-east-1');
    const err = await rejection(eu.send(new DecryptCommand({ KeyId: key.Arn!, CiphertextBlob })));
    expect(err.name).to.equal('NotFoundException');
  });

  it('still lets a multi-Region replica decrypt in its own region', async () => {
    const east = h.client('us-east-1');
    const eu = h.client('eu-west-1');
    const primary = (await east.send(new CreateKeyCommand({ MultiRegion: true }))).KeyMetadata!;
    const replica = await east.send(
      new ReplicateKeyCommand({ KeyId: primary.KeyId!, ReplicaRegion: 'eu-west-1' }),
    );
    const { CiphertextBlob } = await east.send(
      new EncryptCommand({ KeyId: primary.Arn!, Plaintext: bytes('x') }),
    );
    h.engine.faults.regionDown('us-east-1');
    const out = await eu.send(
      new DecryptCommand({ KeyId: replica.ReplicaKeyMetadata!.Arn!, CiphertextBlob }),
    );
    expect(Buffer.from(out.Plaintext!).toString()).to.equal('x');
    expect(out.KeyId).to.equal(replica.ReplicaKeyMetadata!.Arn);
  });

  it('refuses a region that is not an AWS Region name, creating nothing', async () => {
    for (const region of ['US-EAST-1', 'x:999999999999:key', 'us-east-1/../eu', '']) {
      const err = await h.engine.execute('CreateKey', {}, h.engine.context(region)).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err, region).to.be.instanceOf(KmsError);
      expect((err as KmsError).exceptionName).to.equal('ValidationException');
      expect((err as KmsError).message).to.contain('is not a valid AWS Region name');
    }
    expect((await h.engine.execute('ListKeys', {}, h.engine.context('us-east-1'))).Keys).to.deep.equal([]);
    expect(h.engine.auditLog()).to.have.length(1);
  });
});
