/**
 * The disaster-recovery story across three clouds, end to end with one emulator server (AWS KMS,
 * Google Cloud KMS and Azure Key Vault faces) and the real `envelope` binary: one key per cloud
 * made with `envelope keys`, a multi-keyring config, encrypt a file (progress bar on a terminal),
 * inspect it, take any two clouds down and decrypt with the third, then write during an outage
 * (2 of 3 wraps) and repair the message once the cloud is back.
 */
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AzureKeyVaultService, GcpKmsService } from '@envelope/kms-emulator';
import { createKmsServer } from '@envelope/kms-server';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const BIN = fileURLToPath(new URL('../apps/cli/dist/envelope.mjs', import.meta.url));
const AWS_REGION = 'eu-west-1';
const GCP_PROJECT = 'envelope-dr';
const GCP_LOCATION = 'europe-west1';
const VAULT = 'drvault';
const VAULT_URL = `https://${VAULT}.vault.localhost`;
const CLOUDS = ['aws', 'gcp', 'azure'] as const;
type Cloud = (typeof CLOUDS)[number];

const dir = await mkdtemp(join(tmpdir(), 'envelope-dr-'));
const server = await createKmsServer({
  inMemory: true,
  port: 0,
  gcp: { grpcPort: 0 },
  azure: { port: 0, vaults: [VAULT] },
});
// The config and the environment of this demo, not the caller's.
const { ENVELOPE_CONFIG: _config, ENVELOPE_EMULATOR: _emulator, ...environment } = process.env;
/**
 * Runs the binary (asynchronously: the emulator runs in this process). `show` lets it write to this
 * terminal (progress bar); `echo` prints what it wrote, stderr (warnings) included, indented.
 */
const envelope = (args: string[], output: 'capture' | 'show' | 'echo' = 'capture'): Promise<string> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: dir,
      env: environment,
      stdio: ['ignore', output === 'show' ? 'inherit' : 'pipe', output === 'echo' ? 'pipe' : 'inherit'],
    });
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => (out += chunk));
    child.stderr?.on('data', (chunk: Buffer) => (out += chunk));
    child.on('error', reject);
    child.on('exit', (code) => {
      if (output === 'echo') console.log(out.trimEnd().replace(/^/gm, '  '));
      if (code === 0) resolve(out);
      else reject(new Error(`envelope ${args.join(' ')} exited with ${code}`));
    });
  });
const step = (text: string) => console.log(`\n▶ ${text}`);
const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

// Outages are injected through the server's own fault set (one per cloud: region, location, vault).
const faults = server.engine.core.faults;
const gcpLocation = `projects/${GCP_PROJECT}/locations/${GCP_LOCATION}`;
const down: Record<Cloud, () => { remove(): void }> = {
  aws: () => faults.down('aws', AWS_REGION),
  gcp: () => faults.down('gcp', gcpLocation),
  azure: () => faults.down('azure', VAULT),
};
/** Successful unwraps in each cloud's own audit log (CloudTrail, Cloud Audit Logs, Key Vault diagnostics). */
const unwraps = (): Record<Cloud, number> => ({
  aws: server.engine.auditLog({}).filter((e) => e.eventName === 'Decrypt' && !e.errorCode).length,
  gcp: new GcpKmsService(server.engine.core)
    .auditLog()
    .filter((e) => String(e.protoPayload?.methodName ?? '').endsWith('.Decrypt') && !e.protoPayload?.status)
    .length,
  azure: new AzureKeyVaultService(server.engine.core)
    .diagnosticLog()
    .filter((e) => e.operationName === 'KeyUnwrap' && e.resultType === 'Success').length,
});
/** Decrypts `file` to `out` and says whether the plaintext matches and which clouds served. */
const decrypt = async (file: string, out: string, expected: Buffer) => {
  const before = unwraps();
  await envelope(['decrypt', file, '-o', out, '--require-context', 'app=ledger'], 'show');
  const after = unwraps();
  const same = sha256(await readFile(join(dir, out))) === sha256(expected);
  const servedBy = CLOUDS.filter((cloud) => after[cloud] > before[cloud]);
  console.log(`  plaintext ${same ? 'matches' : 'DOES NOT MATCH'}; unwrapped by ${servedBy.join(', ')}`);
  if (!same) process.exitCode = 1;
};
const messageId = async (file: string) =>
  (JSON.parse(await envelope(['inspect', file, '--json'])) as { messageId: string }).messageId;

try {
  const azure = server.endpoints['azure-https']!;
  const gcpAddress = `127.0.0.1:${server.endpoints['gcp-grpc']!.port}`;
  console.log(`KMS emulator (in memory): AWS KMS ${server.url}, Cloud KMS ${gcpAddress} (gRPC),`);
  console.log(`  Key Vault ${azure.url} (vaults https://<name>.vault.localhost; CA ${server.azureCaPath})`);

  step('create one key in each cloud with envelope keys');
  const awsKey = (
    JSON.parse(
      await envelope([
        'keys',
        '--endpoint',
        server.url,
        '--region',
        AWS_REGION,
        '--json',
        'create',
        '--description',
        'dr aws',
      ]),
    ) as { arn: string }
  ).arn;
  const gcp = ['keys', 'gcp', '--endpoint', gcpAddress, '--project', GCP_PROJECT, '--location', GCP_LOCATION];
  await envelope([...gcp, 'create-ring', 'dr']);
  const gcpKey = (
    JSON.parse(await envelope([...gcp, '--json', 'create-key', 'dr/ledger'])) as { cryptoKey: string }
  ).cryptoKey;
  const azureArgs = ['keys', '--json', 'azure', '--vault', VAULT_URL, '--emulator', azure.url];
  const azureKey = (
    JSON.parse(await envelope([...azureArgs, '--ca-file', server.azureCaPath!, 'create', 'ledger'])) as {
      id: string;
    }
  ).id.replace(/\/[0-9a-f]{32}$/, ''); // unversioned: wrap with the latest version
  console.log(`  aws    ${awsKey}\n  gcp    ${gcpKey}\n  azure  ${azureKey}`);

  await writeFile(
    join(dir, 'envelope.yaml'),
    `emulator: { url: "${server.url}" }
keyring:
  type: multi
  minimumWraps: 2 # a write succeeds with any two clouds; the skipped one is reported for --repair
  generator: { type: aws-kms, generator: "${awsKey}", maxAttempts: 1, timeoutMs: 5000 }
  children:
    - { type: gcp-kms, generator: "${gcpKey}", maxAttempts: 1, timeoutMs: 5000 }
    - { type: azure-keyvault, keyId: "${azureKey}", maxAttempts: 1, timeoutMs: 5000 }
`,
  );
  step('envelope.yaml: a multi-keyring across three clouds, pointed at the emulator by its URL');
  console.log((await readFile(join(dir, 'envelope.yaml'), 'utf8')).replace(/^/gm, '  '));

  const plaintext = randomBytes(16 * 1024 * 1024 + 17);
  await writeFile(join(dir, 'ledger.csv'), plaintext);
  step('envelope encrypt ledger.csv (16 MiB) -o ledger.csv.env -c app=ledger');
  await envelope(['encrypt', 'ledger.csv', '-o', 'ledger.csv.env', '-c', 'app=ledger'], 'show');

  step('envelope inspect ledger.csv.env: provider, cloud and location of each wrapped key');
  await envelope(['inspect', 'ledger.csv.env'], 'show');

  for (const survivor of CLOUDS) {
    const others = CLOUDS.filter((cloud) => cloud !== survivor);
    step(`take ${others.join(' and ')} down, then decrypt with ${survivor} alone`);
    const outages = others.map((cloud) => down[cloud]());
    try {
      await decrypt('ledger.csv.env', `ledger.${survivor}.csv`, plaintext);
    } finally {
      for (const outage of outages) outage.remove();
    }
  }

  step(
    'azure is down: envelope encrypt writes with the other two (minimumWraps: 2) and names the skipped key',
  );
  await writeFile(join(dir, 'invoices.csv'), plaintext.subarray(0, 1024 * 1024));
  const azureDown = down.azure();
  try {
    await envelope(['encrypt', 'invoices.csv', '-o', 'invoices.csv.env', '-c', 'app=ledger'], 'echo');
  } finally {
    azureDown.remove();
  }
  await envelope(['inspect', 'invoices.csv.env'], 'show');
  const written = await messageId('invoices.csv.env');

  step('azure is back: envelope rewrap --repair --config envelope.yaml re-adds its key (a new message)');
  await envelope(['rewrap', '--repair', '--config', 'envelope.yaml', 'invoices.csv.env'], 'show');
  await envelope(['inspect', 'invoices.csv.env'], 'show');
  console.log(`  message id changed: ${(await messageId('invoices.csv.env')) !== written ? 'yes' : 'NO'}`);

  step('take aws and gcp down, then decrypt the repaired message with azure alone');
  const outages = [down.aws(), down.gcp()];
  try {
    await decrypt('invoices.csv.env', 'invoices.azure.csv', plaintext.subarray(0, 1024 * 1024));
  } finally {
    for (const outage of outages) outage.remove();
  }
} finally {
  await server.close();
  await rm(dir, { recursive: true, force: true });
}
