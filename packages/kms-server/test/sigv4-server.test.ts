import { CreateKeyCommand, EncryptCommand, ListKeysCommand } from '@aws-sdk/client-kms';
import type { KmsServer } from '@envelope/kms-server';
import { expect } from 'chai';
import { ACCOUNT, Fixture, rejection } from './helpers.js';

const ALICE = `arn:aws:iam::${ACCOUNT}:user/alice`;
const GOOD = { accessKeyId: 'AKIDALICE', secretAccessKey: 'alice-secret' };

describe('KMS server with SigV4 verification on', () => {
  const fx = new Fixture();
  let server: KmsServer;

  before(async () => {
    server = await fx.server({
      accessKeys: { AKIDALICE: { secretAccessKey: 'alice-secret', principal: ALICE } },
    });
  });
  after(() => fx.dispose());

  it('accepts requests signed with a configured key and acts as its principal', async () => {
    const kms = fx.client(server.url, { credentials: GOOD, region: 'eu-central-1' });
    const { KeyMetadata } = await kms.send(new CreateKeyCommand({}));
    expect(KeyMetadata!.Arn).to.match(/^arn:aws:kms:eu-central-1:111122223333:key\//);
    const event = server.engine.auditLog({ keyId: KeyMetadata!.KeyId! })[0]!;
    expect(event.userIdentity.arn).to.equal(ALICE);
  });

  it('answers InvalidSignatureException for a wrong secret', async () => {
    const kms = fx.client(server.url, { credentials: { ...GOOD, secretAccessKey: 'guess' } });
    const err = await rejection(() => kms.send(new ListKeysCommand({})));
    expect(err.name).to.equal('InvalidSignatureException');
    expect(err.$metadata?.httpStatusCode).to.equal(400);
  });

  it('answers UnrecognizedClientException for an unknown access key', async () => {
    const kms = fx.client(server.url, { credentials: { accessKeyId: 'AKIDMALLORY', secretAccessKey: 'x' } });
    const err = await rejection(() => kms.send(new ListKeysCommand({})));
    expect(err.name).to.equal('UnrecognizedClientException');
  });

  it('refuses a body altered after signing', async () => {
    const kms = fx.client(server.url, { credentials: GOOD });
    const { KeyMetadata } = await kms.send(new CreateKeyCommand({}));
    let tampered = false;
    kms.middlewareStack.add(
      (next) => async (args) => {
        const request = args.request as { body: string | Uint8Array };
        const { body } = request;
        // Views the bytes: the SDK's body is a Uint8Array subclass that warns on string methods.
        const text =
          typeof body === 'string'
            ? body
            : Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8');
        request.body = text.replace('"cGF5', '"dGFt'); // base64 "pay…" → "tam…"
        tampered = request.body !== text;
        return next(args);
      },
      { step: 'deserialize', name: 'tamperAfterSigning', priority: 'high' },
    );
    const err = await rejection(() =>
      kms.send(new EncryptCommand({ KeyId: KeyMetadata!.KeyId, Plaintext: Buffer.from('payload') })),
    );
    expect(tampered).to.equal(true);
    expect(err.name).to.equal('InvalidSignatureException');
  });

  it('refuses a credential scope whose region is not an AWS Region name', async () => {
    const kms = fx.client(server.url, { credentials: GOOD, region: 'US-EAST-1' });
    const err = await rejection(() => kms.send(new CreateKeyCommand({})));
    expect(err.name).to.equal('InvalidSignatureException');
    expect(err.message).to.contain("Credential should be scoped to a valid region, not 'US-EAST-1'.");
    expect(server.engine.auditLog().filter((e) => e.awsRegion.toLowerCase() !== e.awsRegion)).to.deep.equal(
      [],
    );
  });

  it('refuses a signature older than 15 minutes', async () => {
    const kms = fx.client(server.url, { credentials: GOOD });
    kms.config.systemClockOffset = -20 * 60 * 1000;
    const err = await rejection(() => kms.send(new ListKeysCommand({})));
    expect(err.name).to.equal('InvalidSignatureException');
    expect(err.message).to.match(/Signature expired/);
  });

  it('refuses an unsigned request with MissingAuthenticationTokenException', async () => {
    const res = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'TrentService.ListKeys' },
      body: '{}',
    });
    expect(res.status).to.equal(400);
    expect(((await res.json()) as { __type: string }).__type).to.equal('MissingAuthenticationTokenException');
  });

  it('still answers /health without a signature', async () => {
    expect((await fetch(`${server.url}/health`)).status).to.equal(200);
  });
});
