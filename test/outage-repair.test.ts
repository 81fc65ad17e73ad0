import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KmsServer } from '@envelope/kms-server';
import { expect } from 'chai';
import { runEnvelope } from '../apps/cli/test/support/run-envelope.js';
import { CLOUDS, type CloudPlaces, startThreeCloudServer, ThreeCloudKeys } from './support/three-clouds.js';

const PLACES: CloudPlaces = {
  region: 'eu-west-1',
  location: 'projects/envelope-dr/locations/europe-west1',
  vault: 'repairvault',
};

/**
 * Writing during an outage and repairing after it, with the real `envelope` binary against one
 * emulator server with AWS, GCP and Azure faces: Azure down → encrypt with `minimumWraps: 2` writes
 * under AWS + GCP and names the skipped vault → Azure back → `envelope rewrap --repair` → a new
 * message wrapped under all three → each cloud alone (the other two down) decrypts it.
 */
describe('outage → write with 2 of 3 clouds → recovery → rewrap --repair → each cloud alone decrypts (CLI + server)', function () {
  this.timeout(180_000);
  let server: KmsServer;
  let dir: string;
  let keys: ThreeCloudKeys;

  // envelope.yaml in the working directory is the config, whatever this process's environment says.
  const env = { ENVELOPE_EMULATOR: undefined, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };
  const envelope = (...args: string[]) => runEnvelope({ cwd: dir, env, timeoutMs: 120_000 }, ...args);
  const inspect = async (file: string) => {
    const run = await envelope('inspect', file, '--json');
    expect(run.code, run.stderr).to.equal(0);
    return JSON.parse(run.stdout) as {
      messageId: string;
      encryptedDataKeys: { providerId: string; key: string }[];
    };
  };

  before(async () => {
    server = await startThreeCloudServer(PLACES.vault, { gcp: { grpcPort: 0 } });
    dir = await mkdtemp(join(tmpdir(), 'envelope-outage-repair-'));
    keys = await ThreeCloudKeys.create(() => server.engine, PLACES);
    await writeFile(join(dir, 'envelope.yaml'), keys.config(`{ url: "${server.url}" }`, { minimumWraps: 2 }));
    await writeFile(join(dir, 'orders.csv'), 'id,total\n1,42\n');
  });
  after(async () => {
    await server?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });
  afterEach(() => server.engine.core.faults.clear());

  it('runs the drill', async () => {
    // 1. Azure is down: the write succeeds under AWS + GCP and names the vault it skipped.
    const azureDown = keys.down('azure');
    const written = await envelope('encrypt', 'orders.csv', '-o', 'orders.csv.env', '--json');
    azureDown.remove();
    expect(written.code, written.stderr).to.equal(0);
    const encrypted = JSON.parse(written.stdout) as {
      encryptedDataKeys: { providerId: string }[];
      skippedMasterKeys: { keyring: string; reason: string }[];
    };
    expect(encrypted.encryptedDataKeys.map((k) => k.providerId)).to.deep.equal(['aws-kms', 'gcp-kms']);
    expect(encrypted.skippedMasterKeys).to.have.length(1);
    expect(encrypted.skippedMasterKeys[0]!.keyring).to.equal(`azure-kv(${keys.azureKey})`);
    expect(encrypted.skippedMasterKeys[0]!.reason).to.match(/ECONNRESET|socket hang up/);
    const before = await inspect('orders.csv.env');
    expect(before.encryptedDataKeys.map((k) => k.providerId)).to.deep.equal(['aws-kms', 'gcp-kms']);

    // 2. Azure is back: repair re-adds its key to a new message (new id, every key present).
    const repaired = await envelope('rewrap', '--repair', '--config', 'envelope.yaml', 'orders.csv.env');
    expect(repaired.code, repaired.stderr).to.equal(0);
    const after = await inspect('orders.csv.env');
    expect(after.messageId).to.not.equal(before.messageId);
    expect(after.encryptedDataKeys.map((k) => k.providerId)).to.deep.equal([
      'aws-kms',
      'gcp-kms',
      'azure-kv',
    ]);
    expect(after.encryptedDataKeys[2]!.key).to.match(new RegExp(`^${keys.azureKey}/[0-9a-f]{32}$`));

    // 3. Each cloud alone decrypts the repaired message, and its own log shows it served.
    for (const survivor of CLOUDS) {
      const outages = keys.allDownBut(survivor);
      const counts = keys.served();
      const out = `orders.${survivor}.csv`;
      const run = await envelope('decrypt', 'orders.csv.env', '-o', out);
      for (const outage of outages) outage.remove();
      expect(run.code, `${survivor} alone: ${run.stderr}`).to.equal(0);
      expect(await readFile(join(dir, out), 'utf8')).to.equal('id,total\n1,42\n');
      const now = keys.served();
      for (const cloud of CLOUDS) {
        expect(now[cloud] - counts[cloud], `${cloud} served with only ${survivor} up`).to.equal(
          cloud === survivor ? 1 : 0,
        );
      }
    }
  });
});
