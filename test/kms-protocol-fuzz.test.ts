import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateAliasCommand, CreateKeyCommand, GenerateRandomCommand, KMSClient } from '@aws-sdk/client-kms';
import type { AuditEvent } from '@envelope/kms-emulator';
import { createKmsServer, type KmsServer } from '@envelope/kms-server';
import { expect } from 'chai';
import fc from 'fast-check';
import { type FuzzRequest, fuzzRequest, oversized } from './fuzz/kms-requests.js';

/**
 * Protocol fuzz of the KMS server over real HTTP: every answer must be AWS-shaped (a 200, or a 4xx
 * with `{__type, message}` and a matching `x-amzn-errortype`), never a 5xx or a dropped connection;
 * every call that reached the engine has exactly the audit row its answer implies; and the server
 * still serves afterwards. Short in CI; `FUZZ_LONG=1` for the long run reported in docs/reliability.md.
 */
const LONG = process.env.FUZZ_LONG === '1';
const RUNS = Number(process.env.FUZZ_RUNS ?? (LONG ? 20_000 : 300));
const SEED = Number(process.env.FUZZ_SEED ?? 20_261_130);
const BATCH = 50;

/** Refusals the server or codec answers before the engine, so no audit row is expected. */
const BEFORE_ENGINE = new Set(['SerializationException', 'UnknownOperationException']);

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/**
 * One request on a fresh connection: with keep-alive, a batch of large generated requests can leave a
 * socket idle past the server's keep-alive timeout, and the client then races the server's close
 * (ECONNRESET on a request the server never saw), which would hide a real dropped connection.
 */
function send(url: URL, req: FuzzRequest): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const r = request(
      url,
      {
        method: 'POST',
        agent: false,
        headers: {
          'content-type': 'application/x-amz-json-1.1',
          'x-amz-target': req.target,
          'content-length': req.body.length,
        },
        timeout: 30_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        res.on('error', reject);
      },
    );
    r.on('timeout', () => r.destroy(new Error('request timed out')));
    r.on('error', reject);
    r.end(req.body);
  });
}

/** What is wrong with an answer, or undefined when it is AWS-shaped. */
function problem(answer: Answer): string | undefined {
  if (answer.status === 200) {
    try {
      JSON.parse(answer.body);
      return undefined;
    } catch {
      return 'a 200 whose body is not JSON';
    }
  }
  if (answer.status < 400 || answer.status > 499) return `status ${answer.status}`;
  let parsed: { __type?: unknown; message?: unknown };
  try {
    parsed = JSON.parse(answer.body);
  } catch {
    return `a ${answer.status} whose body is not JSON`;
  }
  if (typeof parsed.__type !== 'string' || typeof parsed.message !== 'string') return 'no __type/message';
  if (answer.headers['x-amzn-errortype'] !== parsed.__type) return 'x-amzn-errortype differs from __type';
  return undefined;
}

const outcome = (answer: Answer): string => {
  if (answer.status === 200) return '200';
  try {
    return `${answer.status} ${JSON.parse(answer.body).__type}`;
  } catch {
    return `${answer.status} (unparsable)`;
  }
};

describe(`KMS protocol fuzz (${RUNS} requests, seed ${SEED})`, function () {
  this.timeout(LONG ? 3_600_000 : 120_000);
  let server: KmsServer;
  let dir: string;
  let kms: KMSClient;
  let keyIds: string[];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kms-fuzz-'));
    server = await createKmsServer({ port: 0, dataDir: dir, rootKey: randomBytes(32) });
    kms = new KMSClient({
      endpoint: server.url,
      region: 'us-east-1',
      credentials: { accessKeyId: 'AKIDFUZZ', secretAccessKey: 'fuzz' },
      maxAttempts: 1,
    });
    keyIds = [];
    for (const spec of ['SYMMETRIC_DEFAULT', 'RSA_2048', 'ECC_NIST_P256', 'HMAC_256'] as const) {
      const usage = spec === 'SYMMETRIC_DEFAULT' || spec === 'RSA_2048' ? 'ENCRYPT_DECRYPT' : undefined;
      const meta = (
        await kms.send(
          new CreateKeyCommand({
            KeySpec: spec,
            KeyUsage: usage ?? (spec === 'HMAC_256' ? 'GENERATE_VERIFY_MAC' : 'SIGN_VERIFY'),
          }),
        )
      ).KeyMetadata!;
      keyIds.push(meta.KeyId!, meta.Arn!);
    }
    await kms.send(new CreateAliasCommand({ AliasName: 'alias/fuzz', TargetKeyId: keyIds[0]! }));
    keyIds.push('alias/fuzz');
  });

  after(async () => {
    kms?.destroy();
    await server?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('answers every request AWS-shaped with a 2xx/4xx, audits what reached the engine, and keeps serving', async () => {
    const url = new URL(server.url);
    const counts = new Map<string, number>();
    const kinds = new Map<string, number>();
    const violations: string[] = [];
    const answered: { requestId: string; outcome: string }[] = [];
    const started = performance.now();
    const arbitrary = fuzzRequest({ keyIds });
    const requests = function* (): Generator<FuzzRequest> {
      for (let batch = 0; batch * BATCH < RUNS; batch++) {
        const n = Math.min(BATCH, RUNS - batch * BATCH);
        yield* fc.sample(arbitrary, { numRuns: n, seed: SEED + batch });
      }
      for (const target of ['TrentService.Encrypt', 'TrentService.CreateKey', 'TrentService.Nope']) {
        yield oversized(target);
      }
    };
    for (const req of requests()) {
      kinds.set(req.kind, (kinds.get(req.kind) ?? 0) + 1);
      let answer: Answer;
      try {
        answer = await send(url, req);
      } catch (error) {
        violations.push(`${req.kind} ${req.target}: no answer (${(error as Error).message})`);
        continue;
      }
      const key = outcome(answer);
      counts.set(key, (counts.get(key) ?? 0) + 1);
      const wrong = problem(answer);
      if (wrong) {
        violations.push(`${req.kind} ${req.target} ${req.body.subarray(0, 120).toString('utf8')}: ${wrong}`);
      }
      const requestId = answer.headers['x-amzn-requestid'];
      if (typeof requestId === 'string') answered.push({ requestId, outcome: key });
    }
    const seconds = (performance.now() - started) / 1000;

    const audit = new Map<string, AuditEvent>(server.engine.auditLog().map((e) => [e.requestID, e]));
    let audited = 0;
    for (const { requestId, outcome: o } of answered) {
      const event = audit.get(requestId);
      const type = o === '200' ? undefined : o.split(' ')[1];
      if (event) {
        audited++;
        if (event.errorCode !== type)
          violations.push(`audit row for ${requestId} says ${event.errorCode}, answer ${o}`);
      } else if (!BEFORE_ENGINE.has(type ?? '') && !o.startsWith('413')) {
        violations.push(`no audit row for ${requestId} (${o})`);
      }
    }

    const table = [...counts].sort((a, b) => b[1] - a[1]);
    console.log(
      `    fuzz: ${answered.length} answers in ${seconds.toFixed(1)} s (${(answered.length / seconds).toFixed(0)}/s), ` +
        `${audited} audited; by kind ${JSON.stringify(Object.fromEntries(kinds))}`,
    );
    for (const [o, n] of table) console.log(`      ${String(n).padStart(6)}  ${o}`);

    const random = await kms.send(new GenerateRandomCommand({ NumberOfBytes: 8 }));
    expect(random.Plaintext).to.have.length(8);
    expect((await kms.send(new CreateKeyCommand({}))).KeyMetadata!.KeyId).to.be.a('string');
    expect(violations.slice(0, 10), `${violations.length} violations`).to.deep.equal([]);
    expect(counts.get('200') ?? 0, 'some requests succeed').to.be.greaterThan(0);
  });
});
