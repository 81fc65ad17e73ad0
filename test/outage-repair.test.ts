import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AzureKeyVaultService, GcpKmsService } from '@envelope/kms-emulator';
import type { KmsServer } from '@envelope/kms-server';
import { expect } from 'chai';

const BIN = fileURLToPath(new URL('../apps/cli/dist/envelope.mjs', import.meta.url));
const REGION = 'eu-west-1';
const LOCATION = 'projects/envelope-dr/locations/europe-west1';
const GCP_KEY = `${LOCATION}/keyRings/dr/cryptoKeys/data`;
const VAULT = 'repairvault';
const AZURE_KEY = `https://${VAULT}.vault.localhost/keys/data`;
const CLOUDS = ['aws', 'gcp', 'azure'] as const;
type Cloud = (typeof CLOUDS)[number];

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

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
  let awsKeyArn: string;

  // envelope.yaml in the working directory is the config, whatever this process's environment says.
  const { ENVELOPE_CONFIG: _config, ENVELOPE_EMULATOR: _emulator, ...environment } = process.env;
  // The server runs in this process, so the CLI runs asynchronously beside it.
  const envelope = (...args: string[]): Promise<Run> =>
    new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [BIN, ...args], {
        cwd: dir,
        env: { ...environment, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk));
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
    });
  const inspect = async (file: string) => {
    const run = await envelope('inspect', file, '--json');
    expect(run.code, run.stderr).to.equal(0);
    return JSON.parse(run.stdout) as {
      messageId: string;
      encryptedDataKeys: { providerId: string; key: string }[];
    };
  };
  const down = (cloud: Cloud) =>
    cloud === 'aws'
      ? server.engine.core.faults.down('aws', REGION)
      : cloud === 'gcp'
        ? server.engine.core.faults.down('gcp', LOCATION)
        : server.engine.core.faults.down('azure', VAULT);
  /** Successful unwraps each cloud's own log records. */
  const served = (): Record<Cloud, number> => ({
    aws: server.engine.auditLog({}).filter((e) => e.eventName === 'Decrypt' && !e.errorCode).length,
    gcp: new GcpKmsService(server.engine.core)
      .auditLog()
      .filter((e) => String(e.protoPayload?.methodName ?? '').endsWith('.Decrypt') && !e.protoPayload?.status)
      .length,
    azure: new AzureKeyVaultService(server.engine.core)
      .diagnosticLog()
      .filter((e) => e.operationName === 'KeyUnwrap' && e.resultType === 'Success').length,
  });

  before(async () => {
    const { createKmsServer } = await import('@envelope/kms-server');
    server = await createKmsServer({
      inMemory: true,
      port: 0,
      gcp: { grpcPort: 0 },
      azure: { port: 0, vaults: [VAULT] },
    });
    dir = await mkdtemp(join(tmpdir(), 'envelope-outage-repair-'));
    const created = (await server.engine.execute('CreateKey', {}, server.engine.context(REGION))) as {
      KeyMetadata: { Arn: string };
    };
    awsKeyArn = created.KeyMetadata.Arn;
    const gcp = new GcpKmsService(server.engine.core);
    await gcp.invoke('CreateKeyRing', { parent: LOCATION, keyRingId: 'dr', keyRing: {} });
    await gcp.invoke('CreateCryptoKey', {
      parent: `${LOCATION}/keyRings/dr`,
      cryptoKeyId: 'data',
      cryptoKey: { purpose: 'ENCRYPT_DECRYPT' },
    });
    await new AzureKeyVaultService(server.engine.core).invoke(
      'createKey',
      { name: 'data', body: { kty: 'RSA', key_size: 2048 } },
      { vault: VAULT, principal: 'test' },
    );
    await writeFile(
      join(dir, 'envelope.yaml'),
      `emulator: { url: "${server.url}" }
keyring:
  type: multi
  minimumWraps: 2
  generator: { type: aws-kms, generator: "${awsKeyArn}", maxAttempts: 1, timeoutMs: 5000 }
  children:
    - { type: gcp-kms, generator: "${GCP_KEY}", maxAttempts: 1, timeoutMs: 5000 }
    - { type: azure-keyvault, keyId: "${AZURE_KEY}", maxAttempts: 1, timeoutMs: 5000 }
`,
    );
    await writeFile(join(dir, 'orders.csv'), 'id,total\n1,42\n');
  });
  after(async () => {
    await server?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });
  afterEach(() => server.engine.core.faults.clear());

  it('runs the drill', async () => {
    // 1. Azure is down: the write succeeds under AWS + GCP and names the vault it skipped.
    const azureDown = down('azure');
    const written = await envelope('encrypt', 'orders.csv', '-o', 'orders.csv.env', '--json');
    azureDown.remove();
    expect(written.code, written.stderr).to.equal(0);
    const encrypted = JSON.parse(written.stdout) as {
      encryptedDataKeys: { providerId: string }[];
      skippedMasterKeys: { keyring: string; reason: string }[];
    };
    expect(encrypted.encryptedDataKeys.map((k) => k.providerId)).to.deep.equal(['aws-kms', 'gcp-kms']);
    expect(encrypted.skippedMasterKeys).to.have.length(1);
    expect(encrypted.skippedMasterKeys[0]!.keyring).to.equal(`azure-kv(${AZURE_KEY})`);
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
    expect(after.encryptedDataKeys[2]!.key).to.match(new RegExp(`^${AZURE_KEY}/[0-9a-f]{32}$`));

    // 3. Each cloud alone decrypts the repaired message, and its own log shows it served.
    for (const survivor of CLOUDS) {
      const outages = CLOUDS.filter((cloud) => cloud !== survivor).map(down);
      const counts = served();
      const out = `orders.${survivor}.csv`;
      const run = await envelope('decrypt', 'orders.csv.env', '-o', out);
      for (const outage of outages) outage.remove();
      expect(run.code, `${survivor} alone: ${run.stderr}`).to.equal(0);
      expect(await readFile(join(dir, out), 'utf8')).to.equal('id,total\n1,42\n');
      const now = served();
      for (const cloud of CLOUDS) {
        expect(now[cloud] - counts[cloud], `${cloud} served with only ${survivor} up`).to.equal(
          cloud === survivor ? 1 : 0,
        );
      }
    }
  });
});
