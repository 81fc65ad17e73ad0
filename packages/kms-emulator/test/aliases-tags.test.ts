import {
  CreateAliasCommand,
  CreateKeyCommand,
  DeleteAliasCommand,
  DescribeKeyCommand,
  type KMSClient,
  ListAliasesCommand,
  ListResourceTagsCommand,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateAliasCommand,
} from '@aws-sdk/client-kms';
import { expect } from 'chai';
import { ACCOUNT, type Harness, harness, rejection, STORE_KINDS } from './helpers.js';

for (const kind of STORE_KINDS) {
  describe(`aliases and tags (${kind} store)`, () => {
    let h: Harness;
    let kms: KMSClient;
    let keyId: string;
    beforeEach(async () => {
      h = harness(kind);
      kms = h.client();
      keyId = (await kms.send(new CreateKeyCommand({}))).KeyMetadata!.KeyId!;
    });
    afterEach(() => h.dispose());

    it('creates, lists, updates and deletes an alias', async () => {
      await kms.send(new CreateAliasCommand({ AliasName: 'alias/orders', TargetKeyId: keyId }));
      const listed = await kms.send(new ListAliasesCommand({}));
      expect(listed.Aliases).to.have.length(1);
      expect(listed.Aliases![0]).to.include({
        AliasName: 'alias/orders',
        AliasArn: `arn:aws:kms:us-east-1:${ACCOUNT}:alias/orders`,
        TargetKeyId: keyId,
      });
      const other = (await kms.send(new CreateKeyCommand({}))).KeyMetadata!.KeyId!;
      await kms.send(new UpdateAliasCommand({ AliasName: 'alias/orders', TargetKeyId: other }));
      expect((await kms.send(new DescribeKeyCommand({ KeyId: 'alias/orders' }))).KeyMetadata!.KeyId).to.equal(
        other,
      );
      expect((await kms.send(new ListAliasesCommand({ KeyId: other }))).Aliases).to.have.length(1);
      await kms.send(new DeleteAliasCommand({ AliasName: 'alias/orders' }));
      const err = await rejection(kms.send(new DescribeKeyCommand({ KeyId: 'alias/orders' })));
      expect(err.name).to.equal('NotFoundException');
      expect(err.message).to.equal(`Alias 'arn:aws:kms:us-east-1:${ACCOUNT}:alias/orders' is not found.`);
    });

    it('rejects a duplicate alias with AlreadyExistsException', async () => {
      await kms.send(new CreateAliasCommand({ AliasName: 'alias/dup', TargetKeyId: keyId }));
      const err = await rejection(
        kms.send(new CreateAliasCommand({ AliasName: 'alias/dup', TargetKeyId: keyId })),
      );
      expect(err.name).to.equal('AlreadyExistsException');
    });

    it('rejects alias names without alias/ or under alias/aws/', async () => {
      expect(
        (await rejection(kms.send(new CreateAliasCommand({ AliasName: 'orders', TargetKeyId: keyId })))).name,
      ).to.equal('ValidationException');
      expect(
        (await rejection(kms.send(new CreateAliasCommand({ AliasName: 'alias/aws/s3', TargetKeyId: keyId }))))
          .name,
      ).to.equal('InvalidAliasNameException');
    });

    it('rejects an alias as the target of an alias', async () => {
      await kms.send(new CreateAliasCommand({ AliasName: 'alias/a', TargetKeyId: keyId }));
      const err = await rejection(
        kms.send(new CreateAliasCommand({ AliasName: 'alias/b', TargetKeyId: 'alias/a' })),
      );
      expect(err.name).to.equal('ValidationException');
    });

    it('rejects deleting an unknown alias', async () => {
      expect((await rejection(kms.send(new DeleteAliasCommand({ AliasName: 'alias/none' })))).name).to.equal(
        'NotFoundException',
      );
    });

    it('tags, lists and untags a key', async () => {
      await kms.send(
        new TagResourceCommand({
          KeyId: keyId,
          Tags: [
            { TagKey: 'env', TagValue: 'dev' },
            { TagKey: 'team', TagValue: 'a' },
          ],
        }),
      );
      await kms.send(new TagResourceCommand({ KeyId: keyId, Tags: [{ TagKey: 'env', TagValue: 'prod' }] }));
      await kms.send(new UntagResourceCommand({ KeyId: keyId, TagKeys: ['team'] }));
      const { Tags } = await kms.send(new ListResourceTagsCommand({ KeyId: keyId }));
      expect(Tags).to.deep.equal([{ TagKey: 'env', TagValue: 'prod' }]);
    });

    it('rejects tag keys with the reserved aws: prefix', async () => {
      const err = await rejection(
        kms.send(new TagResourceCommand({ KeyId: keyId, Tags: [{ TagKey: 'aws:x', TagValue: 'y' }] })),
      );
      expect(err.name).to.equal('TagException');
    });
  });
}
