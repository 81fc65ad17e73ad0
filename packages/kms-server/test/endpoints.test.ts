import { createServer as createTcpServer } from 'node:net';
import { ListKeysCommand } from '@aws-sdk/client-kms';
import { REFUSAL_STATUS } from '@envelope/kms-protocols';
import type { LogRecord, ServerEndpoint } from '@envelope/kms-server';
import { expect } from 'chai';
import { Fixture, rejection } from './helpers.js';
import { rawRequest } from './raw-http.js';

const json = (status: number, value: unknown) => ({
  status,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(value),
});

/**
 * A second protocol, as GCP or Azure will plug in: answers with what it received, admits admin
 * calls only with a token, and words refusals in its own error shape.
 */
function echoEndpoint(
  options: { port?: number; gate?: Promise<void>; entered?: () => void } = {},
): ServerEndpoint {
  return {
    port: options.port ?? 0,
    create: ({ engine }) => ({
      name: 'echo',
      async handle(request) {
        options.entered?.();
        await options.gate;
        return json(200, {
          url: request.url,
          body: request.body.toString('utf8'),
          account: engine.defaultAccountId,
        });
      },
      admit: (request) =>
        request.headers['x-echo-token'] === 'letmein'
          ? undefined
          : json(401, { error: { code: 'Unauthorized', message: 'send x-echo-token' } }),
      refuse: (refusal, message) => json(REFUSAL_STATUS[refusal], { error: { code: refusal, message } }),
    }),
  };
}

describe('protocol endpoints, each on its own listener', () => {
  const fx = new Fixture();
  afterEach(() => fx.dispose());

  it('lists every endpoint with its own port, the AWS one first as server.url', async () => {
    const server = await fx.server({ endpoints: [echoEndpoint()] });
    expect(Object.keys(server.endpoints)).to.deep.equal(['aws-json', 'echo']);
    const aws = server.endpoints['aws-json']!;
    const echo = server.endpoints.echo!;
    expect(aws).to.deep.equal({ url: server.url, port: server.port });
    expect(echo.port).not.to.equal(aws.port);
    expect(echo.url).to.equal(`http://127.0.0.1:${echo.port}`);

    const res = await rawRequest(echo.url, { path: '/v1/keys?x=1', body: 'hello' });
    expect(res.status).to.equal(200);
    expect(res.json).to.deep.equal({ url: '/v1/keys?x=1', body: 'hello', account: '111122223333' });
    const keys = await fx.client(server.url).send(new ListKeysCommand({}));
    expect(keys.Keys).to.deep.equal([]);
  });

  it("checks Host and body size on every listener, refusing in the endpoint's own error shape", async () => {
    const server = await fx.server({ endpoints: [echoEndpoint()], limits: { maxBodyBytes: 64 } });
    const echo = server.endpoints.echo!;
    const rebound = await rawRequest(echo.url, { headers: { host: 'evil.example' }, body: '{}' });
    expect(rebound.status).to.equal(403);
    expect(rebound.json).to.have.nested.property('error.code', 'forbidden-host');
    const large = await rawRequest(echo.url, { body: 'x'.repeat(65) });
    expect(large.status).to.equal(413);
    expect(large.json).to.have.nested.property('error.code', 'body-too-large');
  });

  it("serves the admin API on every listener, behind that endpoint's authentication", async () => {
    const server = await fx.server({ endpoints: [echoEndpoint()] });
    const echo = server.endpoints.echo!;
    const fault = {
      path: '/_envelope/faults',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ throttle: { operation: 'ListKeys' } }),
    };
    const refused = await rawRequest(echo.url, fault);
    expect(refused.status).to.equal(401);
    expect(refused.json).to.have.nested.property('error.code', 'Unauthorized');
    const applied = await rawRequest(echo.url, {
      ...fault,
      headers: { ...fault.headers, 'x-echo-token': 'letmein' },
    });
    expect(applied.status).to.equal(200);
    const err = await rejection(() => fx.client(server.url).send(new ListKeysCommand({})));
    expect(err.name).to.equal('ThrottlingException');
  });

  it('drains in-flight calls on every listener before close resolves', async () => {
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    let echoEntered!: () => void;
    const inEcho = new Promise<void>((resolve) => (echoEntered = resolve));
    const server = await fx.server({ endpoints: [echoEndpoint({ gate, entered: echoEntered })] });
    // The AWS face's call is held in the engine, past the listener and the protocol, by the fault
    // hook every call passes through; that the hook ran proves the call is in flight.
    let awsEntered!: () => void;
    const inAws = new Promise<void>((resolve) => (awsEntered = resolve));
    server.engine.core.faults.beforeCall = () => {
      awsEntered();
      return gate;
    };
    const calls = [
      rawRequest(server.endpoints.echo!.url, { body: 'slow' }),
      fx.client(server.url).send(new ListKeysCommand({})),
    ];
    await Promise.all([inEcho, inAws]);
    let closed = false;
    const closing = server.close().then(() => (closed = true));
    // Close has cut every idle connection by now: a listener that did not wait for its in-flight
    // call would have cut it too, and the call below would fail with a reset instead of answering.
    await new Promise((resolve) => setImmediate(resolve));
    expect(closed).to.equal(false);
    open();
    const [echo, aws] = await Promise.all(calls);
    expect((echo as Awaited<ReturnType<typeof rawRequest>>).json).to.have.property('body', 'slow');
    expect((aws as { Keys?: unknown[] }).Keys).to.deep.equal([]);
    await closing;
    expect(closed).to.equal(true);
  });

  it('logs stopped once when the server closes, not once per listener', async () => {
    const logs: LogRecord[] = [];
    const server = await fx.server({ endpoints: [echoEndpoint()], log: (record) => logs.push(record) });
    expect(logs.filter((l) => l.msg === 'listening')).to.have.length(2);
    await server.close();
    expect(logs.filter((l) => l.msg === 'stopped')).to.have.length(1);
    expect(logs.at(-1)!.msg).to.equal('stopped');
  });

  it("fails to start when an endpoint's port is taken, closing the listeners already open", async () => {
    const taken = createTcpServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as { port: number }).port;
    const logs: LogRecord[] = [];
    try {
      const err = await rejection(() =>
        fx.server({ endpoints: [echoEndpoint({ port })], log: (record) => logs.push(record) }),
      );
      expect((err as NodeJS.ErrnoException).code).to.equal('EADDRINUSE');
      expect(logs.filter((l) => l.msg === 'listening').map((l) => l.endpoint)).to.deep.equal(['aws-json']);
      expect(logs.filter((l) => l.msg === 'stopped')).to.have.length(1);
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
  });
});
