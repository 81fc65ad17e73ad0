/**
 * The disaster-recovery story, end to end with the emulator and the real `envelope` binary:
 * keys in three regions, a multi-keyring config, encrypt a file (progress bar on a terminal),
 * inspect it, take two regions down and decrypt anyway, then rewrap to add a fourth region.
 */
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createKmsServer } from '@envelope/kms-server';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const BIN = fileURLToPath(new URL('../apps/cli/dist/envelope.mjs', import.meta.url));
const REGIONS = ['us-east-1', 'eu-west-1', 'ap-southeast-2'];
const NEW_REGION = 'us-west-2';

const dir = await mkdtemp(join(tmpdir(), 'envelope-dr-'));
const server = await createKmsServer({ inMemory: true, port: 0 });
// The emulator runs in this process, so the CLI must run asynchronously beside it.
const envelope = (args: string[], show = false): Promise<string> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: dir,
      stdio: ['ignore', show ? 'inherit' : 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => (out += chunk));
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`envelope ${args[0]} exited with ${code}`)),
    );
  });
const step = (text: string) => console.log(`\n▶ ${text}`);
const admin = async (fault: unknown) => {
  const response = await fetch(`${server.url}/_envelope/faults`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(fault),
  });
  if (!response.ok) throw new Error(`fault injection failed: ${response.status} ${await response.text()}`);
};

try {
  console.log(`KMS emulator listening on ${server.url} (in memory)`);
  step(`create one key in each of ${REGIONS.join(', ')}`);
  const keyIn = async (region: string) =>
    JSON.parse(
      await envelope([
        'keys',
        '--endpoint',
        server.url,
        '--region',
        region,
        '--json',
        'create',
        '--description',
        `dr ${region}`,
      ]),
    ).arn as string;
  const keys: string[] = [];
  for (const region of REGIONS) keys.push(await keyIn(region));
  for (const arn of keys) console.log(`  ${arn}`);

  const ring = (arns: string[]) =>
    `keyring:\n  type: multi\n  generator: { type: aws-kms, generator: "${arns[0]}" }\n  children:\n${arns
      .slice(1)
      .map((arn) => `    - { type: aws-kms, keyIds: ["${arn}"] }`)
      .join('\n')}\nemulator: { url: "${server.url}" }\n`;
  await writeFile(join(dir, 'envelope.yaml'), ring(keys));
  step('envelope.yaml: a multi-keyring across three regions, pointed at the emulator');
  console.log((await readFile(join(dir, 'envelope.yaml'), 'utf8')).replace(/^/gm, '  '));

  const plaintext = randomBytes(48 * 1024 * 1024 + 17);
  await writeFile(join(dir, 'ledger.csv'), plaintext);
  step('envelope encrypt ledger.csv (48 MiB) -o ledger.csv.env -c app=ledger');
  await envelope(['encrypt', 'ledger.csv', '-o', 'ledger.csv.env', '-c', 'app=ledger'], true);

  step('envelope inspect ledger.csv.env');
  await envelope(['inspect', 'ledger.csv.env'], true);

  step(`take ${REGIONS[0]} and ${REGIONS[1]} down, then decrypt`);
  await admin({ regionDown: REGIONS[0] });
  await admin({ regionDown: REGIONS[1] });
  const since = new Date();
  await envelope(
    ['decrypt', 'ledger.csv.env', '-o', 'ledger.out.csv', '--require-context', 'app=ledger'],
    true,
  );
  const same =
    createHash('sha256')
      .update(await readFile(join(dir, 'ledger.out.csv')))
      .digest('hex') === createHash('sha256').update(plaintext).digest('hex');
  const served = server.engine
    .auditLog({ since })
    .filter((e: { eventName: string; errorCode?: string }) => e.eventName === 'Decrypt' && !e.errorCode);
  console.log(
    `  plaintext ${same ? 'matches' : 'DOES NOT MATCH'}; audit log: Decrypt served by ${served.map((e: { awsRegion: string }) => e.awsRegion).join(', ')}`,
  );
  if (!same) process.exitCode = 1;

  step(
    `bring the regions back and rewrap to add ${NEW_REGION} (a new message: fresh data key, body re-encrypted)`,
  );
  await admin({ clear: true });
  const added = await keyIn(NEW_REGION);
  await writeFile(join(dir, 'envelope-4.yaml'), ring([...keys, added]));
  await envelope(['rewrap', 'ledger.csv.env', '-o', 'ledger.csv.env4', '--to', 'envelope-4.yaml'], true);
  await envelope(['inspect', 'ledger.csv.env4'], true);

  step(`decrypt with only ${NEW_REGION} up`);
  for (const region of REGIONS) await admin({ regionDown: region });
  await writeFile(
    join(dir, 'west.yaml'),
    `keyring: { type: aws-kms, keyIds: ["${added}"] }\nemulator: { url: "${server.url}" }\n`,
  );
  await envelope(['decrypt', 'ledger.csv.env4', '-o', 'ledger.west.csv', '--config', 'west.yaml'], true);
  const west = (await readFile(join(dir, 'ledger.west.csv'))).equals(plaintext);
  console.log(`  plaintext ${west ? 'matches' : 'DOES NOT MATCH'}`);
  if (!west) process.exitCode = 1;
} finally {
  await server.close();
  await rm(dir, { recursive: true, force: true });
}
