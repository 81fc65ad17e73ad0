/**
 * One benchmark target in its own process (so server and client do not share a CPU):
 * `ceiling` — a bare node:http server answering canned GenerateDataKey / Decrypt JSON;
 * `listener` — the KMS server's HTTP listener (Host check, limits, body reading, logging hook) with an
 *   endpoint answering the same canned bodies: what the server's own HTTP layer costs over node:http;
 * `ceiling+<µs>` (e.g. `ceiling+40`) — the ceiling spinning that many microseconds of CPU per request
 *   before it answers: what a server whose own work costs that much can reach at best here;
 * `sqlite-full` / `sqlite-normal` / `memory` — the real KMS server (the SQLite ones print their commits
 *   per call on stderr when stopped: calls of one event-loop turn share a commit).
 * Prints one JSON line `{ url, keyId, ciphertext }` on stdout when ready; exits on SIGTERM.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KmsEngine, MemoryResourceStore, SqliteResourceStore } from '@envelope/kms-emulator';
import { encodeResponseBody } from '@envelope/kms-protocols/aws-json';
import { createKmsServer, startListener } from '@envelope/kms-server';

const mode = process.argv[2] ?? 'ceiling';
const CONTENT_TYPE = 'application/x-amz-json-1.1';

async function cannedBodies() {
  const engine = new KmsEngine({ store: new MemoryResourceStore(), rootKey: randomBytes(32) });
  const ctx = engine.context('us-east-1');
  const { KeyMetadata } = (await engine.execute('CreateKey', {}, ctx)) as { KeyMetadata: { KeyId: string } };
  const gdk = await engine.execute('GenerateDataKey', { KeyId: KeyMetadata.KeyId, NumberOfBytes: 32 }, ctx);
  const decrypt = await engine.execute('Decrypt', { CiphertextBlob: gdk.CiphertextBlob }, ctx);
  const bodies: Record<string, Buffer> = {
    'TrentService.GenerateDataKey': Buffer.from(encodeResponseBody(gdk)),
    'TrentService.Decrypt': Buffer.from(encodeResponseBody(decrypt)),
  };
  return {
    bodies,
    keyId: KeyMetadata.KeyId,
    ciphertext: Buffer.from(gdk.CiphertextBlob as Uint8Array).toString('base64'),
  };
}

async function startListenerOnly() {
  const { bodies, keyId, ciphertext } = await cannedBodies();
  const listener = await startListener(
    {
      name: 'canned',
      async handle(request) {
        const body =
          bodies[String(request.headers['x-amz-target'])] ?? bodies['TrentService.GenerateDataKey']!;
        return {
          status: 200,
          headers: { 'content-type': CONTENT_TYPE, 'x-amzn-requestid': request.requestId },
          body,
        };
      },
      admit: () => undefined,
      refuse: (_refusal, message) => ({ status: 500, headers: {}, body: Buffer.from(message) }),
    },
    { port: 0 },
  );
  return { url: listener.url, keyId, ciphertext, stop: () => listener.close() };
}

async function startCeiling(spinMicros = 0): Promise<{
  url: string;
  keyId: string;
  ciphertext: string;
  stop(): Promise<void>;
}> {
  // Canned bodies are real engine responses, so the client parses exactly what the KMS server sends.
  const { bodies, keyId, ciphertext } = await cannedBodies();
  const server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      if (spinMicros > 0) {
        const until = performance.now() + spinMicros / 1000;
        while (performance.now() < until);
      }
      const body = bodies[String(request.headers['x-amz-target'])] ?? bodies['TrentService.GenerateDataKey']!;
      response.writeHead(200, {
        'content-type': CONTENT_TYPE,
        'content-length': body.length,
        'x-amzn-requestid': '00000000-0000-0000-0000-000000000000',
      });
      response.end(body);
    });
  });
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    keyId,
    ciphertext,
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

async function startKms() {
  const dataDir = mode === 'memory' ? undefined : mkdtempSync(join(tmpdir(), 'envelope-kms-bench-'));
  const server = await createKmsServer({
    port: 0,
    rootKey: randomBytes(32),
    ...(dataDir ? { dataDir, synchronous: mode === 'sqlite-full' ? 'FULL' : 'NORMAL' } : { inMemory: true }),
  });
  const ctx = server.engine.context('us-east-1');
  const { KeyMetadata } = (await server.engine.execute('CreateKey', {}, ctx)) as {
    KeyMetadata: { KeyId: string };
  };
  const gdk = await server.engine.execute(
    'GenerateDataKey',
    { KeyId: KeyMetadata.KeyId, NumberOfBytes: 32 },
    ctx,
  );
  // Commits (each one WAL sync under synchronous = FULL) per call served, over the whole run.
  const store = server.engine.core.store;
  const commitsBefore = store instanceof SqliteResourceStore ? store.commits : 0;
  let calls = 0;
  server.engine.core.observeCalls(() => calls++);
  return {
    url: server.url,
    keyId: KeyMetadata.KeyId,
    ciphertext: Buffer.from(gdk.CiphertextBlob as Uint8Array).toString('base64'),
    async stop() {
      if (store instanceof SqliteResourceStore && calls > 0) {
        const commits = store.commits - commitsBefore;
        process.stderr.write(
          `${mode}: ${commits} commits for ${calls} calls = ${(commits / calls).toFixed(3)} commits (WAL syncs under FULL) per call\n`,
        );
      }
      await server.close();
      if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

const target =
  mode === 'ceiling'
    ? await startCeiling()
    : mode.startsWith('ceiling+')
      ? await startCeiling(Number(mode.slice('ceiling+'.length)))
      : mode === 'listener'
        ? await startListenerOnly()
        : await startKms();
process.stdout.write(
  `${JSON.stringify({ url: target.url, keyId: target.keyId, ciphertext: target.ciphertext })}\n`,
);
process.on('SIGTERM', () => {
  void target.stop().then(() => process.exit(0));
});
