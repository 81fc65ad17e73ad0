import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { envelope } from './support/run-envelope.js';

// Against a running Azure face these commands are the lead's e2e; here: usage, and a vault that is down.
describe('envelope keys azure', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'envelope-keys-azure-'));
  });

  it('lists its commands: create, versions, rotate, disable', async () => {
    const run = await envelope(dir, 'keys', 'azure', '--help');
    expect(run.code).to.equal(0);
    for (const command of ['create', 'versions', 'rotate', 'disable']) expect(run.stdout).to.include(command);
  });

  it('asks for a vault (exit code 2)', async () => {
    const run = await envelope(dir, 'keys', 'azure', 'versions', 'orders');
    expect(run.code).to.equal(2);
    expect(run.stderr).to.match(/No vault\. \(pass --vault/);
  });

  it('refuses an unsupported key type before calling the vault', async () => {
    const run = await envelope(
      dir,
      'keys',
      'azure',
      'create',
      'orders',
      '--kty',
      'EC',
      '--vault',
      'https://contoso.vault.azure.net',
      '--emulator',
      'https://localhost:9',
    );
    expect(run.code).to.equal(2);
    expect(run.stderr).to.match(/--kty EC is not supported/);
  });

  it('reaches the emulator as <vault>.localhost offline, and a vault that is down fails in seconds (exit 5)', async () => {
    const started = performance.now();
    const run = await envelope(
      dir,
      'keys',
      'azure',
      'rotate',
      'orders',
      '--vault',
      'https://contoso.vault.azure.net',
      '--emulator',
      'https://localhost:9',
    );
    expect(run.code).to.equal(5);
    expect(run.stderr).to.include(
      'Azure Key Vault rotate with https://contoso.vault.azure.net/keys/orders failed',
    );
    // contoso.localhost resolved to loopback without DNS or /etc/hosts; port 9 refuses
    expect(run.stderr).to.include('ECONNREFUSED 127.0.0.1:9');
    expect(run.stderr.trim().split('\n')).to.have.length(1);
    expect(performance.now() - started).to.be.lessThan(10_000);
  });
});
