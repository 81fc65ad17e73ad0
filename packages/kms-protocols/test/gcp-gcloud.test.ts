import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { newService, startRest } from './gcp-harness.js';

const run = promisify(execFile);
const gcloud = (process.env.PATH ?? '')
  .split(delimiter)
  .map((dir) => join(dir, 'gcloud'))
  .find((path) => existsSync(path));

describe('gcloud kms against the REST endpoint', function () {
  this.timeout(120_000);
  let server: Server;
  let dir: string;
  let env: NodeJS.ProcessEnv;

  before(async function () {
    if (!gcloud) {
      console.log('    skipped: gcloud is not on PATH');
      this.skip();
    }
    const { service } = newService();
    const started = await startRest(service);
    server = started.server;
    dir = mkdtempSync(join(tmpdir(), 'gcloud-e2e-'));
    env = {
      ...process.env,
      CLOUDSDK_CONFIG: dir,
      CLOUDSDK_API_ENDPOINT_OVERRIDES_CLOUDKMS: `http://127.0.0.1:${started.port}/`,
      CLOUDSDK_AUTH_DISABLE_CREDENTIALS: 'true',
      CLOUDSDK_CORE_CHECK_GCE_METADATA: 'false',
      CLOUDSDK_CORE_DISABLE_PROMPTS: '1',
      CLOUDSDK_CORE_PROJECT: 'p1',
    };
  });
  after(async () => {
    if (server) {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('creates a key ring and a key, encrypts and decrypts', async () => {
    const kms = (...args: string[]) => run(gcloud as string, ['kms', ...args], { env });
    await kms('keyrings', 'create', 'ring', '--location', 'global');
    await kms(
      'keys',
      'create',
      'key',
      '--keyring',
      'ring',
      '--location',
      'global',
      '--purpose',
      'encryption',
    );
    // Bytes whose base64 needs the URL-safe alphabet's '-' and '_', which gcloud sends.
    const plaintext = Buffer.from([0xfb, 0xff, 0xfe, 0x68, 0x69]);
    writeFileSync(join(dir, 'pt'), plaintext);
    const where = ['--key', 'key', '--keyring', 'ring', '--location', 'global'];
    await kms('encrypt', ...where, '--plaintext-file', join(dir, 'pt'), '--ciphertext-file', join(dir, 'ct'));
    await kms(
      'decrypt',
      ...where,
      '--ciphertext-file',
      join(dir, 'ct'),
      '--plaintext-file',
      join(dir, 'out'),
    );
    expect(readFileSync(join(dir, 'out')).equals(plaintext)).to.equal(true);
    const { stdout } = await kms(
      'keys',
      'versions',
      'list',
      '--key',
      'key',
      '--keyring',
      'ring',
      '--location',
      'global',
      '--format',
      'value(state)',
    );
    expect(stdout.trim()).to.equal('ENABLED');
  });
});
