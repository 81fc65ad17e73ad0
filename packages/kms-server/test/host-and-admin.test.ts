import { ListKeysCommand } from '@aws-sdk/client-kms';
import type { KmsServer, LogRecord } from '@envelope/kms-server';
import { Hash } from '@smithy/hash-node';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import { expect } from 'chai';
import { ACCOUNT, Fixture, rejection } from './helpers.js';
import { openSocket, rawRequest, readUntilClosed } from './raw-http.js';

const KMS_CALL = {
  'content-type': 'application/x-amz-json-1.1',
  'x-amz-target': 'TrentService.ListKeys',
};

/** True when a throttle-everything fault is active (ListKeys is then refused). */
async function throttled(fx: Fixture, server: KmsServer): Promise<boolean> {
  const err = await fx
    .client(server.url)
    .send(new ListKeysCommand({}))
    .then(
      () => undefined,
      (e: Error) => e,
    );
  return err?.name === 'ThrottlingException';
}

describe('Host header (DNS rebinding)', () => {
  const fx = new Fixture();
  afterEach(() => fx.dispose());

  it('refuses a KMS call whose Host names another site, with 403 AccessDeniedException', async () => {
    const server = await fx.server();
    const res = await rawRequest(server.url, {
      headers: { ...KMS_CALL, host: `rebind.attacker.example:${server.port}` },
      body: '{}',
    });
    expect(res.status).to.equal(403);
    expect(res.json.__type).to.equal('AccessDeniedException');
    expect(res.json.message).to.match(
      /Host header "rebind\.attacker\.example:\d+" does not name this server/,
    );
    expect(res.json.message).to.match(/--allow-host/);
  });

  it('accepts the listen address, localhost, IP literals and configured names', async () => {
    const server = await fx.server({ allowedHosts: ['kms.internal'] });
    for (const host of [
      `127.0.0.1:${server.port}`,
      `localhost:${server.port}`,
      'LOCALHOST',
      '[::1]:4599',
      '10.0.0.5',
      `kms.internal:${server.port}`,
    ]) {
      const res = await rawRequest(server.url, { headers: { ...KMS_CALL, host }, body: '{}' });
      expect(res.status, host).to.equal(200);
    }
  });

  it('refuses a request without a Host header', async () => {
    const server = await fx.server();
    // HTTP/1.0 allows no Host; Node's client always sends one, so send it raw.
    const socket = await openSocket(server.url);
    socket.write('GET /health HTTP/1.0\r\n\r\n');
    expect(await readUntilClosed(socket)).to.match(/^HTTP\/1\.[01] 403 /);
  });
});

describe('admin endpoint POST /_envelope/faults hardening', () => {
  const fx = new Fixture();
  afterEach(() => fx.dispose());

  it('refuses a text/plain body (what a cross-site form or fetch can send) with 415', async () => {
    const server = await fx.server();
    const res = await rawRequest(server.url, {
      path: '/_envelope/faults',
      headers: { 'content-type': 'text/plain' },
      body: '{"throttle":{}}',
    });
    expect(res.status).to.equal(415);
    expect(res.json.error).to.match(/Content-Type: application\/json/);
    expect(await throttled(fx, server)).to.equal(false);
  });

  it('refuses a foreign Origin with 403, even with a JSON body', async () => {
    const server = await fx.server();
    const res = await rawRequest(server.url, {
      path: '/_envelope/faults',
      headers: { 'content-type': 'application/json', origin: 'https://attacker.example' },
      body: '{"throttle":{}}',
    });
    expect(res.status).to.equal(403);
    expect(res.json.error).to.match(/Origin https:\/\/attacker\.example may not call the admin API/);
    expect(await throttled(fx, server)).to.equal(false);
  });

  it('accepts its own origin', async () => {
    const server = await fx.server();
    const res = await rawRequest(server.url, {
      path: '/_envelope/faults',
      headers: { 'content-type': 'application/json; charset=utf-8', origin: server.url },
      body: '{"throttle":{}}',
    });
    expect(res.status).to.equal(200);
    expect(await throttled(fx, server)).to.equal(true);
  });

  describe('with access keys', () => {
    const secret = 'admin-secret';
    const accessKeys = {
      AKIDADMIN: { secretAccessKey: secret, principal: `arn:aws:iam::${ACCOUNT}:user/admin` },
    };

    async function signedFault(server: KmsServer, body: string, secretAccessKey = secret) {
      const { hostname, port } = new URL(server.url);
      const signer = new SignatureV4({
        service: 'kms',
        region: 'us-east-1',
        sha256: Hash.bind(null, 'sha256'),
        credentials: { accessKeyId: 'AKIDADMIN', secretAccessKey },
      });
      const signed = await signer.sign(
        new HttpRequest({
          method: 'POST',
          protocol: 'http:',
          hostname,
          port: Number(port),
          path: '/_envelope/faults',
          headers: { host: `${hostname}:${port}`, 'content-type': 'application/json' },
          body,
        }),
      );
      return rawRequest(server.url, {
        path: '/_envelope/faults',
        headers: signed.headers as Record<string, string>,
        body,
      });
    }

    it('refuses an unsigned admin call with MissingAuthenticationTokenException', async () => {
      const server = await fx.server({ accessKeys });
      const res = await rawRequest(server.url, {
        path: '/_envelope/faults',
        headers: { 'content-type': 'application/json' },
        body: '{"throttle":{}}',
      });
      expect(res.status).to.equal(400);
      expect(res.json.__type).to.equal('MissingAuthenticationTokenException');
      const signedList = fx.client(server.url, {
        credentials: { accessKeyId: 'AKIDADMIN', secretAccessKey: secret },
      });
      await signedList.send(new ListKeysCommand({})); // not throttled
    });

    it('refuses a wrong secret and accepts a valid signature by a configured key', async () => {
      const server = await fx.server({ accessKeys });
      const wrong = await signedFault(server, '{"throttle":{}}', 'guess');
      expect(wrong.status).to.equal(400);
      expect(wrong.json.__type).to.equal('InvalidSignatureException');
      const ok = await signedFault(server, '{"throttle":{}}');
      expect(ok.status).to.equal(200);
      const kms = fx.client(server.url, {
        credentials: { accessKeyId: 'AKIDADMIN', secretAccessKey: secret },
      });
      expect((await rejection(() => kms.send(new ListKeysCommand({})))).name).to.equal('ThrottlingException');
    });

    it('keeps /health unauthenticated', async () => {
      const server = await fx.server({ accessKeys });
      expect((await fetch(`${server.url}/health`)).status).to.equal(200);
    });

    it('does not serve the admin API on the GCP REST port, which checks no credentials', async () => {
      const server = await fx.server({ accessKeys, gcp: { restPort: 0 } });
      const gcpUrl = server.endpoints['gcp-rest']!.url;
      for (const [method, path] of [
        ['POST', '/_envelope/faults'],
        ['POST', '/_envelope/reset'],
        ['GET', '/_envelope/audit'],
        ['GET', '/metrics'],
      ] as const) {
        const res = await fetch(`${gcpUrl}${path}`, {
          method,
          headers: { 'content-type': 'application/json' },
          ...(method === 'POST' ? { body: '{"throttle":{}}' } : {}),
        });
        expect(res.status, path).to.equal(404);
        expect(JSON.stringify(await res.json())).not.to.contain('admin');
      }
      expect(server.engine.core.faults.list()).to.deep.equal([]);
    });
  });
});

describe('listen address warning', () => {
  const fx = new Fixture();
  afterEach(() => fx.dispose());

  it('warns loudly when listening beyond loopback without SigV4', async () => {
    const logs: LogRecord[] = [];
    await fx.server({ host: '0.0.0.0', log: (r) => logs.push(r) });
    const warning = logs.find((l) => l.level === 'warn' && /WITHOUT SIGV4/.test(l.msg));
    expect(warning?.msg).to.match(/acts as the root of account 111122223333/);
  });

  it('does not warn on loopback, nor beyond it with access keys', async () => {
    const logs: LogRecord[] = [];
    await fx.server({ log: (r) => logs.push(r) });
    await fx.server({
      host: '0.0.0.0',
      accessKeys: { AKIDA: { secretAccessKey: 's', principal: `arn:aws:iam::${ACCOUNT}:root` } },
      log: (r) => logs.push(r),
    });
    expect(logs.filter((l) => /WITHOUT SIGV4/.test(l.msg))).to.deep.equal([]);
  });
});
