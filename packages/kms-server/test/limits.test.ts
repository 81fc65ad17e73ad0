import { ListKeysCommand } from '@aws-sdk/client-kms';
import type { LogRecord } from '@envelope/kms-server';
import { expect } from 'chai';
import { Fixture } from './helpers.js';
import { openSocket, rawRequest, readUntilClosed } from './raw-http.js';

const KMS_HEADERS = 'content-type: application/x-amz-json-1.1\r\nx-amz-target: TrentService.ListKeys\r\n';

/** Starts a ListKeys request that declares `declared` body bytes and sends only `sent`. */
async function stalledRequest(url: string, declared: number, sent: number) {
  const socket = await openSocket(url);
  socket.write(
    `POST / HTTP/1.1\r\nhost: 127.0.0.1\r\n${KMS_HEADERS}content-length: ${declared}\r\n\r\n` +
      ' '.repeat(sent),
  );
  return socket;
}

const settle = (ms = 100) => new Promise((resolve) => setTimeout(resolve, ms));

describe('server limits', () => {
  const fx = new Fixture();
  afterEach(() => fx.dispose());

  it('answers one connection over maxConnections with 503 ServiceUnavailableException', async () => {
    const server = await fx.server({ limits: { maxConnections: 2 } });
    const held = [await openSocket(server.url), await openSocket(server.url)];
    await settle();
    const third = await openSocket(server.url);
    third.write(`POST / HTTP/1.1\r\nhost: 127.0.0.1\r\n${KMS_HEADERS}content-length: 2\r\n\r\n{}`);
    const answer = await readUntilClosed(third);
    expect(answer).to.match(/^HTTP\/1\.1 503 /);
    expect(answer).to.match(/"__type":"ServiceUnavailableException"/);
    expect(answer).to.match(/limit of 2 open connections/);
    for (const socket of held) socket.destroy();
    await settle();
    await fx.client(server.url).send(new ListKeysCommand({})); // the slots came back
  });

  it('refuses request bodies past maxPendingBodyBytes held across connections with 503', async () => {
    const server = await fx.server({ limits: { maxPendingBodyBytes: 100_000, maxBodyBytes: 80_000 } });
    const first = await stalledRequest(server.url, 70_000, 60_000);
    await settle();
    const second = await stalledRequest(server.url, 70_000, 60_000);
    const answer = await readUntilClosed(second);
    expect(answer).to.match(/^HTTP\/1\.1 503 /);
    expect(answer).to.match(/"__type":"ServiceUnavailableException"/);
    expect(answer).to.match(/limit of 100000 request body bytes/);
    // Set with setHeader before the reply's own headers are written: both reach the wire.
    expect(answer).to.match(/\r\nconnection: close\r\n/i);
    expect(answer).to.match(/\r\ncontent-length: \d+\r\n/i);
    first.destroy();
    await settle();
    // The stalled body's bytes were given back: a large request fits again.
    const res = await rawRequest(server.url, {
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'TrentService.ListKeys' },
      body: `{${' '.repeat(70_000)}}`,
    });
    expect(res.status).to.equal(200);
  });

  it('still refuses one body over maxBodyBytes with 413 ValidationException', async () => {
    const server = await fx.server({ limits: { maxBodyBytes: 1000 } });
    const res = await rawRequest(server.url, {
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'TrentService.ListKeys' },
      body: `{${' '.repeat(2000)}}`,
    });
    expect(res.status).to.equal(413);
    expect(res.json.__type).to.equal('ValidationException');
  });

  it('closes a connection that does not finish its headers within headersTimeoutMs', async () => {
    const server = await fx.server({ limits: { headersTimeoutMs: 300 } });
    const socket = await openSocket(server.url);
    socket.write('POST / HTTP/1.1\r\nhost: 127.0.0.1\r\n'); // and never the rest
    const started = performance.now();
    const answer = await readUntilClosed(socket, 5000);
    expect(performance.now() - started).to.be.lessThan(3000);
    expect(answer).to.match(/^HTTP\/1\.1 408 /);
  });

  it('stops within drainTimeoutMs when a client keeps a request open', async () => {
    const logs: LogRecord[] = [];
    const server = await fx.server({ limits: { drainTimeoutMs: 300 }, log: (r) => logs.push(r) });
    const slow = await stalledRequest(server.url, 1000, 10);
    await settle();
    const started = performance.now();
    await server.close();
    expect(performance.now() - started).to.be.lessThan(2000);
    expect(logs.some((l) => l.level === 'warn' && /drain deadline reached/.test(l.msg))).to.equal(true);
    slow.destroy();
  });

  it('logs a client that goes away mid-request as an abort, not a 500 error', async () => {
    const logs: LogRecord[] = [];
    const server = await fx.server({ log: (r) => logs.push(r) });
    const socket = await stalledRequest(server.url, 1000, 10);
    await settle();
    socket.destroy();
    await settle(200);
    expect(logs.filter((l) => l.level === 'error')).to.deep.equal([]);
    const line = logs.find((l) => l.msg === 'request aborted by client');
    expect(line?.status).to.equal(null);
    expect(logs.some((l) => l.msg === 'request' && l.status === 500)).to.equal(false);
  });
});
