import {
  CancelKeyDeletionCommand,
  CreateAliasCommand,
  CreateGrantCommand,
  CreateKeyCommand,
  DecryptCommand,
  DeleteAliasCommand,
  DescribeKeyCommand,
  DisableKeyCommand,
  EnableKeyCommand,
  EnableKeyRotationCommand,
  EncryptCommand,
  GenerateDataKeyCommand,
  GenerateDataKeyPairCommand,
  GenerateDataKeyWithoutPlaintextCommand,
  GenerateMacCommand,
  GenerateRandomCommand,
  GetKeyPolicyCommand,
  GetKeyRotationStatusCommand,
  GetPublicKeyCommand,
  type KMSClient,
  ListAliasesCommand,
  ListGrantsCommand,
  ListKeyPoliciesCommand,
  ListKeyRotationsCommand,
  ListKeysCommand,
  ListResourceTagsCommand,
  PutKeyPolicyCommand,
  ReEncryptCommand,
  ReplicateKeyCommand,
  RetireGrantCommand,
  RevokeGrantCommand,
  RotateKeyOnDemandCommand,
  ScheduleKeyDeletionCommand,
  SignCommand,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateAliasCommand,
  UpdateKeyDescriptionCommand,
  UpdatePrimaryRegionCommand,
  VerifyCommand,
  VerifyMacCommand,
} from '@aws-sdk/client-kms';
import type { KmsServer } from '@envelope/kms-server';
import { expect } from 'chai';
import { ACCOUNT, Fixture, rejection } from './helpers.js';

const ALICE = `arn:aws:iam::${ACCOUNT}:user/alice`;
const BOB = `arn:aws:iam::${ACCOUNT}:user/bob`;

describe('KMS server through @aws-sdk/client-kms over loopback HTTP', () => {
  const fx = new Fixture();
  let server: KmsServer;
  let kms: KMSClient;
  let bob: KMSClient;

  before(async () => {
    server = await fx.server({
      dataDir: fx.dir(),
      principals: { AKIDALICE: ALICE, AKIDBOB: BOB },
    });
    kms = fx.client(server.url);
    bob = fx.client(server.url, { credentials: { accessKeyId: 'AKIDBOB', secretAccessKey: 'x' } });
  });
  after(() => fx.dispose());

  const newKey = async (input: ConstructorParameters<typeof CreateKeyCommand>[0] = {}) =>
    (await kms.send(new CreateKeyCommand(input))).KeyMetadata!;

  describe('keys: create, describe, list, lifecycle', () => {
    it('creates a key with an ARN in the account and region of the request', async () => {
      const key = await newKey({ Description: 'app key' });
      expect(key.Arn).to.equal(`arn:aws:kms:us-east-1:${ACCOUNT}:key/${key.KeyId}`);
      expect(key).to.include({ KeyState: 'Enabled', KeySpec: 'SYMMETRIC_DEFAULT', Description: 'app key' });
      expect(key.CreationDate).to.be.instanceOf(Date);
    });

    it('describes and lists keys', async () => {
      const key = await newKey();
      const { KeyMetadata } = await kms.send(new DescribeKeyCommand({ KeyId: key.Arn }));
      expect(KeyMetadata!.KeyId).to.equal(key.KeyId);
      const { Keys } = await kms.send(new ListKeysCommand({}));
      expect(Keys!.map((k) => k.KeyId)).to.include(key.KeyId);
    });

    it('disables, enables, updates the description, schedules and cancels deletion', async () => {
      const key = await newKey();
      await kms.send(new DisableKeyCommand({ KeyId: key.KeyId }));
      const err = await rejection(() =>
        kms.send(new EncryptCommand({ KeyId: key.KeyId, Plaintext: Buffer.from('x') })),
      );
      expect(err.name).to.equal('DisabledException');
      expect(err.$metadata?.httpStatusCode).to.equal(400);
      await kms.send(new EnableKeyCommand({ KeyId: key.KeyId }));
      await kms.send(new UpdateKeyDescriptionCommand({ KeyId: key.KeyId, Description: 'renamed' }));
      const scheduled = await kms.send(
        new ScheduleKeyDeletionCommand({ KeyId: key.KeyId, PendingWindowInDays: 7 }),
      );
      expect(scheduled).to.include({ KeyState: 'PendingDeletion', PendingWindowInDays: 7 });
      await kms.send(new CancelKeyDeletionCommand({ KeyId: key.KeyId }));
      const { KeyMetadata } = await kms.send(new DescribeKeyCommand({ KeyId: key.KeyId }));
      expect(KeyMetadata).to.include({ KeyState: 'Disabled', Description: 'renamed' });
    });

    it('answers NotFoundException (400) for an unknown key', async () => {
      const err = await rejection(() =>
        kms.send(new DescribeKeyCommand({ KeyId: '00000000-0000-0000-0000-000000000000' })),
      );
      expect(err.name).to.equal('NotFoundException');
      expect(err.$metadata?.httpStatusCode).to.equal(400);
    });

    it('answers ValidationException for a bad key spec / usage pair', async () => {
      const err = await rejection(() => newKey({ KeySpec: 'RSA_2048', KeyUsage: 'GENERATE_VERIFY_MAC' }));
      expect(err.name).to.equal('ValidationException');
    });
  });

  describe('encrypt, decrypt, re-encrypt', () => {
    it('round-trips with an encryption context and refuses a different context', async () => {
      const key = await newKey();
      const context = { tenant: 'a' };
      const { CiphertextBlob } = await kms.send(
        new EncryptCommand({
          KeyId: key.KeyId,
          Plaintext: Buffer.from('secret'),
          EncryptionContext: context,
        }),
      );
      const plain = await kms.send(new DecryptCommand({ CiphertextBlob, EncryptionContext: context }));
      expect(Buffer.from(plain.Plaintext!).toString()).to.equal('secret');
      expect(plain.KeyId).to.equal(key.Arn);
      const err = await rejection(() =>
        kms.send(new DecryptCommand({ CiphertextBlob, EncryptionContext: { tenant: 'b' } })),
      );
      expect(err.name).to.equal('InvalidCiphertextException');
      expect(err.$metadata?.httpStatusCode).to.equal(400);
    });

    it('re-encrypts under another key', async () => {
      const [a, b] = [await newKey(), await newKey()];
      const { CiphertextBlob } = await kms.send(
        new EncryptCommand({ KeyId: a.KeyId, Plaintext: Buffer.from('move me') }),
      );
      const re = await kms.send(new ReEncryptCommand({ CiphertextBlob, DestinationKeyId: b.KeyId }));
      expect(re).to.include({ SourceKeyId: a.Arn, KeyId: b.Arn });
      const plain = await kms.send(new DecryptCommand({ CiphertextBlob: re.CiphertextBlob }));
      expect(Buffer.from(plain.Plaintext!).toString()).to.equal('move me');
    });

    it('refuses Decrypt naming the wrong key with IncorrectKeyException', async () => {
      const [a, b] = [await newKey(), await newKey()];
      const { CiphertextBlob } = await kms.send(
        new EncryptCommand({ KeyId: a.KeyId, Plaintext: Buffer.from('x') }),
      );
      const err = await rejection(() => kms.send(new DecryptCommand({ CiphertextBlob, KeyId: b.KeyId })));
      expect(err.name).to.equal('IncorrectKeyException');
    });

    it('refuses more than 4096 bytes of plaintext', async () => {
      const key = await newKey();
      const err = await rejection(() =>
        kms.send(new EncryptCommand({ KeyId: key.KeyId, Plaintext: Buffer.alloc(4097) })),
      );
      expect(err.name).to.equal('ValidationException');
    });
  });

  describe('data keys and randomness', () => {
    it('generates a data key whose ciphertext decrypts to its plaintext', async () => {
      const key = await newKey();
      const dk = await kms.send(new GenerateDataKeyCommand({ KeyId: key.KeyId, KeySpec: 'AES_256' }));
      expect(dk.Plaintext).to.have.length(32);
      const plain = await kms.send(new DecryptCommand({ CiphertextBlob: dk.CiphertextBlob }));
      expect(Buffer.from(plain.Plaintext!).equals(Buffer.from(dk.Plaintext!))).to.equal(true);
      const without = await kms.send(
        new GenerateDataKeyWithoutPlaintextCommand({ KeyId: key.KeyId, NumberOfBytes: 16 }),
      );
      expect(without).not.to.have.property('Plaintext');
      expect(without.CiphertextBlob!.length).to.be.greaterThan(16);
    });

    it('generates data key pairs and random bytes', async () => {
      const key = await newKey();
      const pair = await kms.send(
        new GenerateDataKeyPairCommand({ KeyId: key.KeyId, KeyPairSpec: 'ECC_NIST_P256' }),
      );
      expect(pair.PublicKey!.length).to.be.greaterThan(0);
      expect(pair.PrivateKeyPlaintext!.length).to.be.greaterThan(0);
      const random = await kms.send(new GenerateRandomCommand({ NumberOfBytes: 64 }));
      expect(random.Plaintext).to.have.length(64);
    });

    it('refuses NumberOfBytes above 1024', async () => {
      const key = await newKey();
      const err = await rejection(() =>
        kms.send(new GenerateDataKeyCommand({ KeyId: key.KeyId, NumberOfBytes: 1025 })),
      );
      expect(err.name).to.equal('ValidationException');
    });
  });

  describe('sign, verify, MAC', () => {
    it('signs and verifies with an ECC key; a wrong message fails with KMSInvalidSignatureException', async () => {
      const key = await newKey({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' });
      const message = Buffer.from('release v1');
      const { Signature } = await kms.send(
        new SignCommand({ KeyId: key.KeyId, Message: message, SigningAlgorithm: 'ECDSA_SHA_256' }),
      );
      const ok = await kms.send(
        new VerifyCommand({
          KeyId: key.KeyId,
          Message: message,
          Signature,
          SigningAlgorithm: 'ECDSA_SHA_256',
        }),
      );
      expect(ok.SignatureValid).to.equal(true);
      const err = await rejection(() =>
        kms.send(
          new VerifyCommand({
            KeyId: key.KeyId,
            Message: Buffer.from('release v2'),
            Signature,
            SigningAlgorithm: 'ECDSA_SHA_256',
          }),
        ),
      );
      expect(err.name).to.equal('KMSInvalidSignatureException');
      const { PublicKey } = await kms.send(new GetPublicKeyCommand({ KeyId: key.KeyId }));
      expect(PublicKey!.length).to.be.greaterThan(50);
    });

    it('refuses Encrypt with a signing key (InvalidKeyUsageException)', async () => {
      const key = await newKey({ KeySpec: 'RSA_2048', KeyUsage: 'SIGN_VERIFY' });
      const err = await rejection(() =>
        kms.send(new EncryptCommand({ KeyId: key.KeyId, Plaintext: Buffer.from('x') })),
      );
      expect(err.name).to.equal('InvalidKeyUsageException');
    });

    it('generates and verifies a MAC; a wrong MAC fails with KMSInvalidMacException', async () => {
      const key = await newKey({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' });
      const message = Buffer.from('token');
      const { Mac } = await kms.send(
        new GenerateMacCommand({ KeyId: key.KeyId, Message: message, MacAlgorithm: 'HMAC_SHA_256' }),
      );
      const ok = await kms.send(
        new VerifyMacCommand({ KeyId: key.KeyId, Message: message, Mac, MacAlgorithm: 'HMAC_SHA_256' }),
      );
      expect(ok.MacValid).to.equal(true);
      const bad = Buffer.from(Mac!);
      bad[0]! ^= 1;
      const err = await rejection(() =>
        kms.send(
          new VerifyMacCommand({
            KeyId: key.KeyId,
            Message: message,
            Mac: bad,
            MacAlgorithm: 'HMAC_SHA_256',
          }),
        ),
      );
      expect(err.name).to.equal('KMSInvalidMacException');
    });
  });

  describe('aliases', () => {
    it('creates, resolves, lists, re-points and deletes an alias', async () => {
      const [a, b] = [await newKey(), await newKey()];
      await kms.send(new CreateAliasCommand({ AliasName: 'alias/e2e-app', TargetKeyId: a.KeyId }));
      const { CiphertextBlob } = await kms.send(
        new EncryptCommand({ KeyId: 'alias/e2e-app', Plaintext: Buffer.from('x') }),
      );
      expect((await kms.send(new DecryptCommand({ CiphertextBlob }))).KeyId).to.equal(a.Arn);
      const { Aliases } = await kms.send(new ListAliasesCommand({ KeyId: a.KeyId }));
      expect(Aliases!.map((x) => x.AliasName)).to.deep.equal(['alias/e2e-app']);
      await kms.send(new UpdateAliasCommand({ AliasName: 'alias/e2e-app', TargetKeyId: b.KeyId }));
      const { KeyMetadata } = await kms.send(new DescribeKeyCommand({ KeyId: 'alias/e2e-app' }));
      expect(KeyMetadata!.KeyId).to.equal(b.KeyId);
      await kms.send(new DeleteAliasCommand({ AliasName: 'alias/e2e-app' }));
      const err = await rejection(() => kms.send(new DescribeKeyCommand({ KeyId: 'alias/e2e-app' })));
      expect(err.name).to.equal('NotFoundException');
    });

    it('refuses a duplicate alias with AlreadyExistsException', async () => {
      const key = await newKey();
      await kms.send(new CreateAliasCommand({ AliasName: 'alias/e2e-dup', TargetKeyId: key.KeyId }));
      const err = await rejection(() =>
        kms.send(new CreateAliasCommand({ AliasName: 'alias/e2e-dup', TargetKeyId: key.KeyId })),
      );
      expect(err.name).to.equal('AlreadyExistsException');
    });
  });

  describe('tags', () => {
    it('tags, lists and untags a key', async () => {
      const key = await newKey({ Tags: [{ TagKey: 'team', TagValue: 'core' }] });
      await kms.send(
        new TagResourceCommand({ KeyId: key.KeyId, Tags: [{ TagKey: 'env', TagValue: 'dev' }] }),
      );
      await kms.send(new UntagResourceCommand({ KeyId: key.KeyId, TagKeys: ['team'] }));
      const { Tags } = await kms.send(new ListResourceTagsCommand({ KeyId: key.KeyId }));
      expect(Tags).to.deep.equal([{ TagKey: 'env', TagValue: 'dev' }]);
    });

    it('refuses the reserved aws: prefix with TagException', async () => {
      const key = await newKey();
      const err = await rejection(() =>
        kms.send(new TagResourceCommand({ KeyId: key.KeyId, Tags: [{ TagKey: 'aws:x', TagValue: 'y' }] })),
      );
      expect(err.name).to.equal('TagException');
    });
  });

  describe('rotation', () => {
    it('rotates on demand and still decrypts ciphertexts of the old version', async () => {
      const key = await newKey();
      const { CiphertextBlob } = await kms.send(
        new EncryptCommand({ KeyId: key.KeyId, Plaintext: Buffer.from('old') }),
      );
      await kms.send(new EnableKeyRotationCommand({ KeyId: key.KeyId, RotationPeriodInDays: 90 }));
      const status = await kms.send(new GetKeyRotationStatusCommand({ KeyId: key.KeyId }));
      expect(status.KeyRotationEnabled).to.equal(true);
      await kms.send(new RotateKeyOnDemandCommand({ KeyId: key.KeyId }));
      const { Rotations } = await kms.send(new ListKeyRotationsCommand({ KeyId: key.KeyId }));
      expect(Rotations).to.have.length(1);
      const plain = await kms.send(new DecryptCommand({ CiphertextBlob }));
      expect(Buffer.from(plain.Plaintext!).toString()).to.equal('old');
    });
  });

  describe('key policies and grants', () => {
    it('reads and replaces the key policy; a policy without the caller denies it', async () => {
      const key = await newKey();
      const { PolicyNames } = await kms.send(new ListKeyPoliciesCommand({ KeyId: key.KeyId }));
      expect(PolicyNames).to.deep.equal(['default']);
      const { Policy } = await kms.send(new GetKeyPolicyCommand({ KeyId: key.KeyId }));
      expect(JSON.parse(Policy!).Statement[0].Principal.AWS).to.equal(`arn:aws:iam::${ACCOUNT}:root`);

      // The default policy lets the account root delegate to IAM: any principal of the account may use the key.
      await bob.send(new EncryptCommand({ KeyId: key.Arn, Plaintext: Buffer.from('x') }));

      const onlyAlice = JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Sid: 'admin',
            Effect: 'Allow',
            Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` },
            Action: 'kms:*',
            Resource: '*',
          },
          { Sid: 'deny-bob', Effect: 'Deny', Principal: { AWS: BOB }, Action: 'kms:*', Resource: '*' },
        ],
      });
      await kms.send(new PutKeyPolicyCommand({ KeyId: key.KeyId, PolicyName: 'default', Policy: onlyAlice }));
      const denied = await rejection(() =>
        bob.send(new EncryptCommand({ KeyId: key.Arn, Plaintext: Buffer.from('x') })),
      );
      expect(denied.name).to.equal('AccessDeniedException');
      expect(denied.$metadata?.httpStatusCode).to.equal(400);
    });

    it('refuses a malformed policy with MalformedPolicyDocumentException', async () => {
      const key = await newKey();
      const err = await rejection(() =>
        kms.send(new PutKeyPolicyCommand({ KeyId: key.KeyId, PolicyName: 'default', Policy: '{not json' })),
      );
      expect(err.name).to.equal('MalformedPolicyDocumentException');
    });

    it('creates, lists, retires and revokes grants', async () => {
      const key = await newKey();
      const grant = await kms.send(
        new CreateGrantCommand({
          KeyId: key.KeyId,
          GranteePrincipal: BOB,
          RetiringPrincipal: `arn:aws:iam::${ACCOUNT}:root`,
          Operations: ['Encrypt', 'Decrypt'],
        }),
      );
      expect(grant.GrantId).to.be.a('string');
      const { Grants } = await kms.send(new ListGrantsCommand({ KeyId: key.KeyId }));
      expect(Grants!.map((g) => g.GrantId)).to.deep.equal([grant.GrantId]);
      await kms.send(new RetireGrantCommand({ KeyId: key.Arn, GrantId: grant.GrantId }));
      const second = await kms.send(
        new CreateGrantCommand({ KeyId: key.KeyId, GranteePrincipal: BOB, Operations: ['Decrypt'] }),
      );
      await kms.send(new RevokeGrantCommand({ KeyId: key.KeyId, GrantId: second.GrantId }));
      expect((await kms.send(new ListGrantsCommand({ KeyId: key.KeyId }))).Grants).to.deep.equal([]);
    });
  });

  describe('multi-Region keys', () => {
    it('replicates a key; the replica decrypts ciphertexts of the primary in its own region', async () => {
      const key = await newKey({ MultiRegion: true });
      expect(key.KeyId).to.match(/^mrk-/);
      const replica = await kms.send(
        new ReplicateKeyCommand({ KeyId: key.KeyId, ReplicaRegion: 'eu-west-1' }),
      );
      expect(replica.ReplicaKeyMetadata!.Arn).to.equal(`arn:aws:kms:eu-west-1:${ACCOUNT}:key/${key.KeyId}`);
      const { CiphertextBlob } = await kms.send(
        new EncryptCommand({ KeyId: key.KeyId, Plaintext: Buffer.from('dr') }),
      );
      const eu = fx.client(server.url, { region: 'eu-west-1' });
      const plain = await eu.send(new DecryptCommand({ CiphertextBlob, KeyId: key.KeyId }));
      expect(Buffer.from(plain.Plaintext!).toString()).to.equal('dr');
      await kms.send(new UpdatePrimaryRegionCommand({ KeyId: key.KeyId, PrimaryRegion: 'eu-west-1' }));
      const { KeyMetadata } = await eu.send(new DescribeKeyCommand({ KeyId: key.KeyId }));
      expect(KeyMetadata!.MultiRegionConfiguration!.MultiRegionKeyType).to.equal('PRIMARY');
    });

    it('refuses to replicate a single-Region key (UnsupportedOperationException)', async () => {
      const key = await newKey();
      const err = await rejection(() =>
        kms.send(new ReplicateKeyCommand({ KeyId: key.KeyId, ReplicaRegion: 'eu-west-1' })),
      );
      expect(err.name).to.equal('UnsupportedOperationException');
    });
  });

  describe('protocol edges', () => {
    it('answers UnknownOperationException for an unknown X-Amz-Target', async () => {
      const res = await fetch(server.url, {
        method: 'POST',
        headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'TrentService.Nope' },
        body: '{}',
      });
      expect(res.status).to.equal(400);
      expect(res.headers.get('x-amzn-errortype')).to.equal('UnknownOperationException');
      expect(((await res.json()) as { __type: string }).__type).to.equal('UnknownOperationException');
    });

    it('answers SerializationException for a body that is not JSON', async () => {
      const res = await fetch(server.url, {
        method: 'POST',
        headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'TrentService.ListKeys' },
        body: '{nope',
      });
      expect(res.status).to.equal(400);
      expect(((await res.json()) as { __type: string }).__type).to.equal('SerializationException');
    });

    it('answers GET /health with {"status":"ok"}', async () => {
      const res = await fetch(`${server.url}/health`);
      expect(res.status).to.equal(200);
      expect(await res.json()).to.deep.equal({ status: 'ok' });
    });

    it('records every call in the audit log with the request id it answered with', async () => {
      const res = await fetch(server.url, {
        method: 'POST',
        headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'TrentService.ListKeys' },
        body: '{}',
      });
      const requestId = res.headers.get('x-amzn-requestid');
      const events = server.engine.auditLog().filter((e) => e.requestID === requestId);
      expect(events.map((e) => e.eventName)).to.deep.equal(['ListKeys']);
    });
  });
});
