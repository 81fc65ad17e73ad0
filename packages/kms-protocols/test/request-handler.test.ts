import { randomBytes } from 'node:crypto';
import { CreateKeyCommand, KMSClient, ListKeysCommand } from '@aws-sdk/client-kms';
import { KmsEngine, MemoryResourceStore } from '@envelope/kms-emulator';
import { expect } from 'chai';
import { type AccessKey, createKmsRequestHandler } from '../src/index.js';

const ALICE = 'arn:aws:iam::444455556666:user/alice';
const KEYS = new Map<string, AccessKey>([
  ['AKIDALICE', { secretAccessKey: 'alice-secret', principal: ALICE }],
]);

describe('in-process AWS SDK transport', () => {
  let engine: KmsEngine;
  const clients: KMSClient[] = [];
  const client = (secretAccessKey: string, region = 'eu-west-1') => {
    const c = new KMSClient({
      region,
      credentials: { accessKeyId: 'AKIDALICE', secretAccessKey },
      requestHandler: createKmsRequestHandler(engine, { accessKeys: KEYS }),
      maxAttempts: 1,
    });
    clients.push(c);
    return c;
  };
  beforeEach(() => {
    engine = new KmsEngine({ store: new MemoryResourceStore(), rootKey: randomBytes(32) });
  });
  afterEach(() => {
    for (const c of clients.splice(0)) c.destroy();
    engine.close();
  });

  it('verifies SigV4 as the server does when given access keys: the key decides the principal', async () => {
    const { KeyMetadata } = await client('alice-secret').send(new CreateKeyCommand({}));
    expect(KeyMetadata!.Arn).to.match(/^arn:aws:kms:eu-west-1:444455556666:key\//);
    const event = engine.auditLog().find((e) => e.eventName === 'CreateKey');
    expect(event?.userIdentity.arn).to.equal(ALICE);
  });

  it('refuses a request signed with the wrong secret, with the AWS error type', async () => {
    const err = await client('guess')
      .send(new ListKeysCommand({}))
      .then(
        () => undefined,
        (e: Error) => e,
      );
    expect(err?.name).to.equal('InvalidSignatureException');
    expect(engine.auditLog()).to.have.length(0);
  });
});
