import {
  CreateKeyCommand,
  DecryptCommand,
  EncryptCommand,
  GetKeyPolicyCommand,
  ListKeysCommand,
  PutKeyPolicyCommand,
} from '@aws-sdk/client-kms';
import { expect } from 'chai';
import { evaluatePolicy, KmsError, parsePolicy } from '../src/index.js';
import { ACCOUNT, bytes, harness, rejection } from './helpers.js';

const ALICE = `arn:aws:iam::${ACCOUNT}:user/alice`;
const ROOT = `arn:aws:iam::${ACCOUNT}:root`;
const KEY = `arn:aws:kms:us-east-1:${ACCOUNT}:key/k`;
const rootAllowsAll = { Effect: 'Allow', Principal: { AWS: ROOT }, Action: 'kms:*', Resource: '*' };
const denyAlice = { Effect: 'Deny', Principal: { AWS: ALICE }, Action: 'kms:Decrypt', Resource: '*' };
const policy = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });

function malformed(text: string): string {
  try {
    parsePolicy(text);
  } catch (error) {
    expect(error).to.be.instanceOf(KmsError);
    expect((error as KmsError).exceptionName).to.equal('MalformedPolicyDocumentException');
    return (error as KmsError).message;
  }
  throw new Error(`accepted: ${text}`);
}

describe('key policy grammar (strict parse)', () => {
  // Each of these used to be accepted and then silently never matched, so a Deny did not deny.
  const misread: [string, object, RegExp][] = [
    [
      'a misspelled Conditions element',
      { ...denyAlice, Conditions: { StringEquals: { 'kms:EncryptionContext:a': 'b' } } },
      /Statement\[1\]: unsupported element "Conditions" in a Statement; the emulator understands only Sid, Effect, Principal, Action, Resource, Condition/,
    ],
    [
      'a lower-case "aws" principal key',
      { ...denyAlice, Principal: { aws: ALICE } },
      /Statement\[1\]\.Principal: unsupported element "aws" in Principal; the emulator understands only AWS/,
    ],
    [
      'a bare ARN string principal',
      { ...denyAlice, Principal: ALICE },
      /Statement\[1\]\.Principal: Principal must be "\*" or \{"AWS": <principal or list of principals>\}/,
    ],
    [
      'a number principal',
      { ...denyAlice, Principal: { AWS: 111122223333 } },
      /Statement\[1\]\.Principal\.AWS: Principal.AWS must be a string or a non-empty list of strings/,
    ],
    [
      'a wildcard in a principal ARN',
      { ...denyAlice, Principal: { AWS: `arn:aws:iam::${ACCOUNT}:user/*` } },
      /Statement\[1\]\.Principal\.AWS: invalid principal "arn:aws:iam::111122223333:user\/\*"/,
    ],
    [
      'a service principal',
      { ...denyAlice, Principal: { Service: 'logs.amazonaws.com' } },
      /unsupported element "Service" in Principal/,
    ],
    [
      'a lower-case notAction element',
      { Effect: 'Deny', Principal: { AWS: ALICE }, notAction: 'kms:Encrypt', Action: 'kms:Decrypt' },
      /unsupported element "notAction" in a Statement/,
    ],
    [
      'NotAction',
      { Effect: 'Deny', Principal: '*', NotAction: 'kms:Encrypt' },
      /unsupported element "NotAction"/,
    ],
    [
      'NotPrincipal',
      { Effect: 'Deny', NotPrincipal: { AWS: ROOT }, Action: 'kms:*' },
      /unsupported element "NotPrincipal"/,
    ],
    ['a missing Principal', { Effect: 'Deny', Action: 'kms:*' }, /Statement\[1\]\.Principal: /],
    ['a misspelled action', { ...denyAlice, Action: 'kms:Decrpyt' }, /invalid action "kms:Decrpyt"/],
    ['a non-KMS action', { ...denyAlice, Action: 's3:GetObject' }, /invalid action "s3:GetObject"/],
    ['an empty Action list', { ...denyAlice, Action: [] }, /Action must not be an empty list/],
    ['an effect in the wrong case', { ...denyAlice, Effect: 'deny' }, /Effect must be "Allow" or "Deny"/],
    [
      'a resource that is not a key ARN',
      { ...denyAlice, Resource: 'arn:aws:s3:::bucket' },
      /invalid resource "arn:aws:s3:::bucket"/,
    ],
    [
      'an unsupported condition operator',
      { ...denyAlice, Condition: { StringNotEquals: { 'kms:CallerAccount': ACCOUNT } } },
      /unsupported element "StringNotEquals" in Condition \(condition operators\)/,
    ],
    [
      'an unsupported condition key',
      { ...denyAlice, Condition: { StringEquals: { 'aws:SourceIp': '10.0.0.1' } } },
      /unsupported condition key "aws:SourceIp"/,
    ],
    [
      'a condition key in the wrong case',
      { ...denyAlice, Condition: { StringEquals: { 'kms:encryptioncontext:a': 'b' } } },
      /unsupported condition key "kms:encryptioncontext:a"/,
    ],
    [
      'a number condition value',
      { ...denyAlice, Condition: { StringEquals: { 'kms:EncryptionContext:n': 1 } } },
      /StringEquals value must be a string or a non-empty list of strings/,
    ],
    [
      'an empty condition block',
      { ...denyAlice, Condition: { StringEquals: {} } },
      /Condition.StringEquals must name a condition key/,
    ],
    [
      'a caller account that is not 12 digits',
      { ...denyAlice, Condition: { StringEquals: { 'kms:CallerAccount': '11112222333' } } },
      /kms:CallerAccount value "11112222333" is not a 12-digit account id/,
    ],
  ];
  for (const [what, statement, message] of misread) {
    it(`refuses ${what}, naming it`, () => {
      expect(malformed(policy(rootAllowsAll, statement))).to.match(message);
    });
  }

  it('refuses unknown top-level elements, a bad Version and a missing or empty Statement', () => {
    expect(malformed(JSON.stringify({ Statements: [rootAllowsAll] }))).to.match(
      /unsupported element "Statements" in the policy document/,
    );
    expect(malformed(JSON.stringify({ Version: '2012-10-18', Statement: [rootAllowsAll] }))).to.match(
      /Version: Version must be "2012-10-17" or "2008-10-17"/,
    );
    expect(malformed(JSON.stringify({ Version: '2012-10-17' }))).to.match(/Statement: /);
    expect(malformed(JSON.stringify({ Statement: [] }))).to.match(/Statement must not be an empty list/);
    expect(malformed('[]')).to.match(/the policy document must be a JSON object/);
    expect(malformed('{not json')).to.match(/not valid JSON/);
  });

  it('accepts the documented grammar and stores its canonical form', () => {
    const parsed = parsePolicy(
      JSON.stringify({
        Id: 'p',
        Statement: {
          Sid: 's',
          Effect: 'Allow',
          Principal: { AWS: [ACCOUNT, `arn:aws:iam::${ACCOUNT}:role/path/app`, '*'] },
          Action: ['kms:Generate*', 'KMS:decrypt', '*'],
          Resource: ['*', `arn:aws:kms:*:${ACCOUNT}:key/*`],
          Condition: {
            StringEquals: { 'kms:CallerAccount': [ACCOUNT], 'kms:EncryptionContext:app': 'x' },
            StringLike: { 'kms:EncryptionContext:tenant': 't-*' },
          },
        },
      }),
    );
    expect(parsed.statements).to.have.length(1);
    expect(parsed.statements[0]!.conditions).to.have.length(3);
    expect(JSON.parse(parsed.text)).to.deep.equal({
      Id: 'p',
      Statement: {
        Sid: 's',
        Effect: 'Allow',
        Principal: { AWS: [ACCOUNT, `arn:aws:iam::${ACCOUNT}:role/path/app`, '*'] },
        Action: ['kms:Generate*', 'KMS:decrypt', '*'],
        Resource: ['*', `arn:aws:kms:*:${ACCOUNT}:key/*`],
        Condition: {
          StringEquals: { 'kms:CallerAccount': [ACCOUNT], 'kms:EncryptionContext:app': 'x' },
          StringLike: { 'kms:EncryptionContext:tenant': 't-*' },
        },
      },
    });
  });
});

describe('condition values compare as UTF-8 bytes', () => {
  const denyText = policy(rootAllowsAll, {
    ...denyAlice,
    Condition: { StringEquals: { 'kms:EncryptionContext:class': 'restricted\ufffd' } },
  });
  const deny = parsePolicy(denyText);
  const req = (encryptionContext: Record<string, string>) => ({
    principal: ALICE,
    callerAccount: ACCOUNT,
    action: 'kms:Decrypt',
    resourceArn: KEY,
    encryptionContext,
  });

  it('lets a Deny on "restricted\\ufffd" catch a context value with a lone surrogate', () => {
    expect(evaluatePolicy(deny, req({ class: 'restricted\ufffd' }))).to.equal('Deny');
    expect(evaluatePolicy(deny, req({ class: 'restricted\ud800' }))).to.equal('Deny');
    expect(evaluatePolicy(deny, req({ class: 'restricted' }))).to.equal('Allow');
  });

  it('matches StringLike and context keys by their UTF-8 form too', () => {
    const like = parsePolicy(
      policy(rootAllowsAll, {
        ...denyAlice,
        Condition: { StringLike: { 'kms:EncryptionContext:cl\ud800ss': 'restricted?' } },
      }),
    );
    expect(evaluatePolicy(like, req({ 'cl\udfffss': 'restricted\udc00' }))).to.equal('Deny');
  });

  it('denies through the engine: a lone surrogate does not slip past the Deny', async () => {
    const h = harness('memory', { AKIDALICE: ALICE });
    try {
      const root = h.engine.context('us-east-1');
      const alice = h.engine.context('us-east-1', ALICE);
      const { KeyMetadata } = await h.engine.execute('CreateKey', { Policy: denyText }, root);
      const KeyId = (KeyMetadata as { KeyId: string }).KeyId;
      const { CiphertextBlob } = await h.engine.execute(
        'Encrypt',
        { KeyId, Plaintext: bytes('secret'), EncryptionContext: { class: 'restricted\ufffd' } },
        root,
      );
      const err = await rejection(
        h.engine.execute(
          'Decrypt',
          { CiphertextBlob, EncryptionContext: { class: 'restricted\ud800' } },
          alice,
        ),
      );
      expect(err.name).to.equal('AccessDeniedException');
      expect(err.message).to.contain('explicit deny');
    } finally {
      h.dispose();
    }
  });
});

describe('policies through the API', () => {
  it('refuses a malformed PutKeyPolicy and keeps the old policy in force', async () => {
    const h = harness('sqlite', { AKIDALICE: ALICE });
    try {
      const admin = h.client();
      const alice = h.client('us-east-1', { accessKeyId: 'AKIDALICE' });
      const KeyId = (await admin.send(new CreateKeyCommand({}))).KeyMetadata!.KeyId!;
      const { CiphertextBlob } = await admin.send(new EncryptCommand({ KeyId, Plaintext: bytes('x') }));
      const before = (await admin.send(new GetKeyPolicyCommand({ KeyId }))).Policy;
      const err = await rejection(
        admin.send(
          new PutKeyPolicyCommand({
            KeyId,
            Policy: policy(rootAllowsAll, { ...denyAlice, Principal: { aws: ALICE } }),
          }),
        ),
      );
      expect(err.name).to.equal('MalformedPolicyDocumentException');
      expect(err.message).to.contain('unsupported element "aws" in Principal');
      expect((await admin.send(new GetKeyPolicyCommand({ KeyId }))).Policy).to.equal(before);
      // The well-formed Deny denies.
      await admin.send(new PutKeyPolicyCommand({ KeyId, Policy: policy(rootAllowsAll, denyAlice) }));
      expect((await rejection(alice.send(new DecryptCommand({ CiphertextBlob })))).name).to.equal(
        'AccessDeniedException',
      );
    } finally {
      h.dispose();
    }
  });

  it('refuses a malformed CreateKey policy and creates no key', async () => {
    const h = harness('memory');
    try {
      const admin = h.client();
      const err = await rejection(
        admin.send(
          new CreateKeyCommand({
            Policy: policy(rootAllowsAll, {
              ...denyAlice,
              Conditions: { StringEquals: { 'kms:CallerAccount': ACCOUNT } },
            }),
          }),
        ),
      );
      expect(err.name).to.equal('MalformedPolicyDocumentException');
      expect((await admin.send(new ListKeysCommand({}))).Keys).to.deep.equal([]);
    } finally {
      h.dispose();
    }
  });

  it('fails closed on a stored policy it does not understand (a store written elsewhere)', async () => {
    const h = harness('memory');
    try {
      const admin = h.client();
      const { Arn, KeyId } = (await admin.send(new CreateKeyCommand({}))).KeyMetadata!;
      const record = h.resources.getKey(Arn!)!;
      h.resources.putKey({
        ...record,
        policy: JSON.stringify({ Statement: [{ ...rootAllowsAll, NotAction: 'kms:Decrypt' }] }),
      });
      const err = await rejection(admin.send(new EncryptCommand({ KeyId, Plaintext: bytes('x') })));
      expect(err.name).to.equal('KMSInternalException');
      expect(err.message).to.contain(`The stored key policy of ${Arn} is not one this emulator understands`);
    } finally {
      h.dispose();
    }
  });

  it('stores and returns only what it understood (canonical JSON)', async () => {
    const h = harness('memory');
    try {
      const admin = h.client();
      const KeyId = (await admin.send(new CreateKeyCommand({}))).KeyMetadata!.KeyId!;
      const text = `{"Statement":[{"Effect":"Allow","Principal":{"AWS":"${ROOT}"},"Action":"kms:*","Resource":"*"}],"Version":"2012-10-17"}`;
      await admin.send(new PutKeyPolicyCommand({ KeyId, Policy: text }));
      const { Policy } = await admin.send(new GetKeyPolicyCommand({ KeyId }));
      expect(Policy).to.equal(parsePolicy(text).text);
      expect(Object.keys(JSON.parse(Policy!))).to.deep.equal(['Version', 'Statement']);
    } finally {
      h.dispose();
    }
  });
});
