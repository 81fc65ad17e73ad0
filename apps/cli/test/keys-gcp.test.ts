import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { envelope } from './support/run-envelope.js';

const cwd = mkdtempSync(join(tmpdir(), 'envelope-keys-gcp-'));

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('envelope keys gcp', () => {
  it('lists its commands', async () => {
    const run = await envelope(cwd, 'keys', 'gcp', '--help');
    expect(run.code).to.equal(0);
    for (const command of [
      'create-ring',
      'create-key',
      'list',
      'versions',
      'rotate',
      'disable',
      'enable',
      'destroy',
    ]) {
      expect(run.stdout).to.include(command);
    }
  });

  it('needs an endpoint (never falls back to Google Cloud without --gcp)', async () => {
    const run = await envelope(cwd, 'keys', 'gcp', 'list', '--project', 'p');
    expect(run.code).to.equal(2);
    expect(run.stderr).to.include('No Cloud KMS emulator endpoint').and.include('--gcp');
  });

  it('refuses a name it cannot place, saying what to write', async () => {
    const run = await envelope(
      cwd,
      'keys',
      'gcp',
      '--endpoint',
      '127.0.0.1:1',
      'rotate',
      'only-a-ring',
      '--project',
      'p',
    );
    expect(run.code).to.equal(2);
    expect(run.stderr).to.include('is not a keyRing/cryptoKey name');
  });

  for (const transport of ['grpc', 'rest']) {
    it(`fails in seconds with the status and a hint when nothing serves the endpoint (${transport})`, async () => {
      const port = await closedPort();
      const started = performance.now();
      const run = await envelope(
        cwd,
        'keys',
        'gcp',
        '--endpoint',
        `127.0.0.1:${port}`,
        '--transport',
        transport,
        'list',
        '--project',
        'p',
        '--location',
        'europe-west1',
      );
      expect(run.code).to.equal(1);
      expect(run.stderr).to.include(
        'Cloud KMS ListKeyRings with projects/p/locations/europe-west1 failed: UNAVAILABLE',
      );
      expect(run.stderr).to.include(`is the emulator serving Cloud KMS (${transport}) at 127.0.0.1:${port}?`);
      expect(performance.now() - started).to.be.below(10_000);
    });
  }
});
