import { DescribeKeyCommand, EncryptCommand, ListKeysCommand } from '@aws-sdk/client-kms';
import type { KmsServer } from '@envelope/kms-server';
import { expect } from 'chai';
import { Fixture, rejection } from './helpers.js';

async function postFault(
  server: KmsServer,
  body: unknown,
): Promise<{ status: number; json: Record<string, string> }> {
  const res = await fetch(`${server.url}/_envelope/faults`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as Record<string, string> };
}

describe('fault admin endpoint POST /_envelope/faults', () => {
  const fx = new Fixture();
  let server: KmsServer;

  beforeEach(async () => {
    server = await fx.server();
  });
  afterEach(() => fx.dispose());

  it('throttles one operation: the SDK sees ThrottlingException (400), other operations pass', async () => {
    expect(await postFault(server, { throttle: { operation: 'ListKeys' } })).to.deep.equal({
      status: 200,
      json: { status: 'ok', id: 1 },
    });
    const kms = fx.client(server.url);
    const err = await rejection(() => kms.send(new ListKeysCommand({})));
    expect(err.name).to.equal('ThrottlingException');
    expect(err.$metadata?.httpStatusCode).to.equal(400);
    const notFound = await rejection(() => kms.send(new DescribeKeyCommand({ KeyId: 'alias/none' })));
    expect(notFound.name).to.equal('NotFoundException');
  });

  it('refuses a failure fault whose exception is not an AWS KMS exception, naming the valid ones', async () => {
    const { status, json } = await postFault(server, { fail: { exception: 'NoSuchThingException' } });
    expect(status).to.equal(400);
    expect(json.error).to.match(
      /fail\.exception: must be an AWS KMS exception name: one of .*KMSInternalException/,
    );
  });

  it('injects a server fault answered with 500', async () => {
    await postFault(server, { fail: { exception: 'KMSInternalException', operation: 'Encrypt' } });
    const err = await rejection(() =>
      fx.client(server.url).send(new EncryptCommand({ KeyId: 'alias/x', Plaintext: Buffer.from('x') })),
    );
    expect(err.name).to.equal('KMSInternalException');
    expect(err.$metadata?.httpStatusCode).to.equal(500);
  });

  it('adds latency', async () => {
    await postFault(server, { latency: { ms: 150 } });
    const started = performance.now();
    await fx.client(server.url).send(new ListKeysCommand({}));
    expect(performance.now() - started).to.be.greaterThan(140);
  });

  it('drops connections to a region marked down until it is up again; other regions still answer', async () => {
    await postFault(server, { regionDown: 'eu-west-1' });
    const eu = fx.client(server.url, { region: 'eu-west-1' });
    const err = await rejection(() => eu.send(new ListKeysCommand({})));
    expect(err.$metadata?.httpStatusCode).to.equal(undefined); // no HTTP response at all
    await fx.client(server.url).send(new ListKeysCommand({}));
    await postFault(server, { regionUp: 'eu-west-1' });
    await eu.send(new ListKeysCommand({}));
  });

  it('clears every fault', async () => {
    await postFault(server, { throttle: {} });
    await postFault(server, { clear: true });
    await fx.client(server.url).send(new ListKeysCommand({}));
  });

  it('refuses an invalid fault with 400 and says what it expects', async () => {
    const { status, json } = await postFault(server, { throttle: { probability: 2 } });
    expect(status).to.equal(400);
    expect(json.error).to.match(/Expected exactly one of/);
  });

  it('applies faults given at start (the --fault flag)', async () => {
    const throttled = await fx.server({ faults: [{ throttle: { operation: 'ListKeys' } }] });
    const err = await rejection(() => fx.client(throttled.url).send(new ListKeysCommand({})));
    expect(err.name).to.equal('ThrottlingException');
  });

  it('answers 404 saying the admin API is off when admin is off', async () => {
    const closed = await fx.server({ admin: false });
    const res = await fetch(`${closed.url}/_envelope/faults`, { method: 'POST', body: '{"clear":true}' });
    expect(res.status).to.equal(404);
    expect(await res.json()).to.deep.equal({
      error:
        'The admin API is off on this server (started with admin: false / --no-admin); restart it ' +
        'without that option to use /_envelope/faults.',
      code: 'ENVELOPE_ADMIN_REQUEST_INVALID',
    });
  });
});
