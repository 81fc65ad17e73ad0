/**
 * Envelope as its users get it: every package packed as a publish packs it, installed from the
 * tarballs alone into a scratch application outside the workspace (third-party dependencies from the
 * npm registry), then used from plain ESM, CommonJS, strict TypeScript and Vitest, and the CLI
 * installed globally. Anything that works only through the workspace's `@envelope/source` condition
 * or workspace links fails here. Needs the packages built (`pnpm test` builds them first).
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { type PackedPackage, packWorkspace } from '../scripts/pack-workspace.js';

const exec = promisify(execFile);
const NPM_FLAGS = ['--no-audit', '--no-fund', '--loglevel=error'];

/** Runs a command in the scratch app; on failure the error carries its output. */
async function run(cwd: string, command: string, args: string[], env: NodeJS.ProcessEnv = {}) {
  try {
    return await exec(command, args, {
      cwd,
      env: { ...process.env, ...env },
      maxBuffer: 64 * 1024 * 1024,
    });
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    throw new Error(`${command} ${args.join(' ')} failed:\n${stdout ?? ''}\n${stderr ?? ''}`);
  }
}

const SEEDED_KEY = '2b3c4d5e-6f70-4182-93a4-b5c6d7e8f901';

const ESM_APP = `
import { randomBytes } from 'node:crypto';
import { decrypt, encrypt, RawAesKeyring, retainFreedMemory, SuiteId } from '@envelope/core';
import { createEnvelope } from '@envelope/config';
import { AwsKmsKeyring } from '@envelope/aws-kms';
import { KmsEngine } from '@envelope/kms-emulator';
import { createKmsServer } from '@envelope/kms-server';

await retainFreedMemory(); // as the CLI does before bulk work
const keyring = new RawAesKeyring({ keyNamespace: 'app', keyName: 'k', wrappingKey: randomBytes(32) });
const { ciphertext } = await encrypt('hello from esm', { keyring, suiteId: SuiteId.AES_256_GCM_HKDF_SHA512_COMMIT_KEY });
const { plaintext } = await decrypt(ciphertext, { keyring });
// The parallel mode starts its worker script from the installed dist/.
const large = randomBytes(3_000_000);
const sealed = await encrypt(large, { keyring, parallel: { workers: 2 } });
const parallel = (await decrypt(sealed.ciphertext, { keyring, parallel: { workers: 2 } })).plaintext.equals(large);

const envelope = await createEnvelope({
  configText: 'keyring: { type: emulator, key: alias/consumer }\\nemulator: true\\n',
});
const viaEmulator = await envelope.decrypt((await envelope.encrypt('via the emulator')).ciphertext);

const server = await createKmsServer({ inMemory: true, port: 0, log: () => {} });
const health = await fetch(server.url + '/health');
await server.close();

console.log(JSON.stringify({
  plaintext: plaintext.toString(),
  emulator: viaEmulator.plaintext.toString(),
  server: health.status,
  kinds: [typeof AwsKmsKeyring, typeof KmsEngine],
  parallel,
}));
`;

const CJS_APP = `
const { randomBytes } = require('node:crypto');
const { decrypt, encrypt, RawAesKeyring } = require('@envelope/core');
const keyring = new RawAesKeyring({ keyNamespace: 'app', keyName: 'k', wrappingKey: randomBytes(32) });
encrypt('hello from cjs', { keyring })
  .then(({ ciphertext }) => decrypt(ciphertext, { keyring }))
  .then(({ plaintext }) => console.log(plaintext.toString()));
`;

const TS_APP = `
import { randomBytes } from 'node:crypto';
import { type DecryptResult, decrypt, encrypt, type Keyring, MultiKeyring, RawAesKeyring, rewrap } from '@envelope/core';
import { createEnvelope, type EnvelopeConfig } from '@envelope/config';
import { AwsKmsKeyring } from '@envelope/aws-kms';
import { KmsEngine, MemoryResourceStore } from '@envelope/kms-emulator';
import { createKmsServer, type KmsServerOptions } from '@envelope/kms-server';
import { type RunningEmulator, startEmulator, useEmulator } from '@envelope/testing';

export async function withEmulator(): Promise<RunningEmulator> {
  const emulator = await startEmulator({ seed: { keys: [{ id: '${SEEDED_KEY}', aliases: ['alias/app'] }] } });
  emulator.faults.throttle({ operation: 'Decrypt', everyNth: 2 });
  return emulator;
}
export const hooks = useEmulator;

const ring = (name: string): Keyring =>
  new RawAesKeyring({ keyNamespace: 'app', keyName: name, wrappingKey: randomBytes(32) });
export async function roundTrip(): Promise<DecryptResult> {
  const keyring = new MultiKeyring({ generator: ring('a'), children: [ring('b')] });
  const { ciphertext } = await encrypt('typed', { keyring, encryptionContext: { tenant: 'acme' } });
  const moved = await rewrap(ciphertext, { keyring, newKeyring: ring('c') });
  const result: 'kept' | 'replaced' = moved.dataKey;
  void result;
  return decrypt(ciphertext, { keyring, requiredEncryptionContext: { tenant: 'acme' } });
}
export const options: KmsServerOptions = { inMemory: true, port: 0 };
export type Config = EnvelopeConfig;
export const factories = [createEnvelope, createKmsServer, AwsKmsKeyring, KmsEngine, MemoryResourceStore] as const;
`;

const TSCONFIG = {
  compilerOptions: {
    target: 'ES2023',
    module: 'nodenext',
    moduleResolution: 'nodenext',
    strict: true,
    exactOptionalPropertyTypes: true,
    noUncheckedIndexedAccess: true,
    noEmit: true,
    types: ['node'],
    // The application's own code is checked; library .d.ts files too (no skipLibCheck).
    skipLibCheck: false,
  },
  include: ['app.ts'],
};

const VITEST_TEST = `
import { randomBytes } from 'node:crypto';
import { decrypt, DecryptionFailedError, encrypt, RawAesKeyring } from '@envelope/core';
import { expect, test } from 'vitest';

test('encrypts and decrypts through the published package', async () => {
  const keyring = new RawAesKeyring({ keyNamespace: 'app', keyName: 'k', wrappingKey: randomBytes(32) });
  const { ciphertext } = await encrypt('hello from vitest', { keyring });
  expect((await decrypt(ciphertext, { keyring })).plaintext.toString()).toBe('hello from vitest');
  ciphertext[ciphertext.length - 1] ^= 1;
  await expect(decrypt(ciphertext, { keyring })).rejects.toBeInstanceOf(DecryptionFailedError);
});
`;

const PRODUCTION_CONFIG = `keyring: { type: aws-kms, generator: "arn:aws:kms:us-east-1:111122223333:key/${SEEDED_KEY}" }`;

/** @envelope/testing under a runner whose hooks are `beforeAll`/`afterAll`/`beforeEach` (Vitest, Jest). */
const testingSuite = (runner: string) => `
import { createEnvelope } from '@envelope/config';
import { useEmulator } from '@envelope/testing';

const emulator = useEmulator(
  { beforeAll, afterAll, beforeEach },
  { seed: { keys: [{ id: '${SEEDED_KEY}' }] } },
);

test('a production config runs against the seeded emulator under ${runner}', async () => {
  const app = await createEnvelope({ configText: '${PRODUCTION_CONFIG}', env: { ENVELOPE_EMULATOR: '1' } });
  const { ciphertext } = await app.encrypt('${runner}');
  expect((await app.decrypt(ciphertext)).plaintext.toString()).toBe('${runner}');
  expect(emulator.auditLog({ operation: 'GenerateDataKey' })).toHaveLength(1);
});

test('each test starts from the seeded state under ${runner}', () => {
  expect(emulator.auditLog()).toEqual([]);
});
`;

const VITEST_TESTING = `import { afterAll, beforeAll, beforeEach, expect, test } from 'vitest';\n${testingSuite('vitest')}`;
const JEST_TESTING = `import { afterAll, beforeAll, beforeEach, expect, test } from '@jest/globals';\n${testingSuite('jest')}`;

/** Records every module URL the process resolves (`node --import ./record.mjs`) into modules.txt. */
const RECORD_MODULES = `
import { register } from 'node:module';
register('./record-hooks.mjs', import.meta.url, { data: { file: new URL('./modules.txt', import.meta.url).pathname } });
`;
const RECORD_HOOKS = `
import { appendFileSync } from 'node:fs';
let file;
export function initialize(data) { file = data.file; }
export async function resolve(specifier, context, next) {
  const result = await next(specifier, context);
  appendFileSync(file, result.url + '\\n');
  return result;
}
`;

/** An application with only core and config: raw AES works; a cloud type or the emulator says what to install. */
const RAW_AES_APP = `
import { createEnvelope } from '@envelope/config';

const rawAes = 'keyring: { type: raw-aes, keyNamespace: app, keyName: k, key: { env: KEY } }\\n';
const env = { KEY: Buffer.alloc(32, 7).toString('base64') };
const envelope = await createEnvelope({ configText: rawAes, env });
const { plaintext } = await envelope.decrypt((await envelope.encrypt('raw aes only')).ciphertext);
const refusal = (configText) =>
  createEnvelope({ configText, env }).then(() => 'accepted', (e) => e.constructor.name + ': ' + e.message);
console.log(JSON.stringify({
  plaintext: plaintext.toString(),
  gcp: await refusal('keyring: { type: gcp-kms, keyName: projects/p/locations/l/keyRings/r/cryptoKeys/k }'),
  emulator: await refusal('emulator: true\\n' + rawAes),
}));
`;

/** Packages an application that encrypts with raw keys must neither install nor load. */
const CLOUD_OR_NATIVE =
  /@aws-sdk|@google-cloud|@azure|better-sqlite3|@envelope\/(aws-kms|gcp-kms|azure-keyvault|kms-emulator)/;

/** Native addons (built or prebuilt) among the application's production dependencies. */
async function nativeArtifacts(app: string): Promise<string[]> {
  // The application's own dev tools (Vitest ships prebuilt binaries) are not Envelope's to answer for.
  const { stdout } = await run(app, 'npm', ['ls', '--all', '--omit=dev', '--parseable']);
  const found: string[] = [];
  for (const dir of stdout.split('\n').filter((line) => line.includes('node_modules'))) {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      if (entry.isFile() && (entry.name.endsWith('.node') || entry.name === 'binding.gyp'))
        found.push(join(dir, entry.name));
    }
    if (existsSync(join(dir, 'build', 'Release'))) found.push(join(dir, 'build', 'Release'));
  }
  return found;
}

describe('the published packages, installed from their tarballs outside the workspace', function () {
  this.timeout(600_000);
  let scratch: string;
  let packed: PackedPackage[];

  before(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'envelope-consumer-'));
    const packDir = join(scratch, 'tarballs');
    await mkdir(packDir);
    packed = packWorkspace(packDir);
    const libraries = packed.filter((p) => p.name !== '@envelope/cli');
    const fileSpec = Object.fromEntries(libraries.map((p) => [p.name, `file:${p.tarball}`]));
    const app = join(scratch, 'app');
    await mkdir(app);
    await writeFile(
      join(app, 'package.json'),
      JSON.stringify({
        name: 'envelope-consumer',
        private: true,
        type: 'module',
        dependencies: fileSpec,
        // The tarballs name each other by version; point those at the tarballs too, as a registry would.
        overrides: fileSpec,
        devDependencies: {
          typescript: '^5.9.3',
          vitest: '^4.1.9',
          jest: '^30.2.0',
          '@jest/globals': '^30.2.0',
          '@types/node': '^20.19.0',
        },
      }),
    );
    await run(app, 'npm', ['install', ...NPM_FLAGS]);
  });

  after(async () => {
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  const app = () => join(scratch, 'app');

  it('installs no native addon for an application that encrypts (better-sqlite3 is optional)', async () => {
    expect(await nativeArtifacts(app())).to.deep.equal([]);
  });

  it('ships dist/ with types, and no tests', async () => {
    for (const pkg of packed.filter((p) => p.name !== '@envelope/cli')) {
      const root = join(app(), 'node_modules', pkg.name);
      expect(existsSync(join(root, 'dist', 'index.js')), pkg.name).to.equal(true);
      expect(existsSync(join(root, 'dist', 'index.d.ts')), pkg.name).to.equal(true);
      expect(existsSync(join(root, 'test')), `${pkg.name} has no test/`).to.equal(false);
      const manifest = JSON.parse(await readFile(join(root, 'package.json'), 'utf8'));
      expect(JSON.stringify(manifest.exports), pkg.name).not.to.include('@envelope/source');
    }
    // The parallel mode's worker script: one CommonJS file that needs nothing but Node's built-ins.
    const worker = await readFile(
      join(app(), 'node_modules', '@envelope/core', 'dist', 'parallel', 'frame-worker.cjs'),
      'utf8',
    );
    const required = [...worker.matchAll(/require\("([^"]+)"\)/g)].map((match) => match[1]!);
    expect(required).to.include('node:crypto');
    expect(required.filter((name) => !name.startsWith('node:'))).to.deep.equal([]);
  });

  it('works from plain Node ESM: core, config with the in-process emulator, the KMS server', async () => {
    await writeFile(join(app(), 'esm.mjs'), ESM_APP);
    const { stdout } = await run(app(), process.execPath, ['esm.mjs']);
    expect(JSON.parse(stdout.trim().split('\n').at(-1)!)).to.deep.equal({
      plaintext: 'hello from esm',
      emulator: 'via the emulator',
      server: 200,
      kinds: ['function', 'function'],
      parallel: true,
    });
  });

  it('works from CommonJS require() (Node >= 20.19 loads ES modules from require)', async () => {
    await writeFile(join(app(), 'cjs.cjs'), CJS_APP);
    const { stdout } = await run(app(), process.execPath, ['cjs.cjs']);
    expect(stdout.trim()).to.equal('hello from cjs');
  });

  it('type-checks under tsc --strict, nodenext, exactOptionalPropertyTypes, without skipLibCheck', async () => {
    await writeFile(join(app(), 'app.ts'), TS_APP);
    await writeFile(join(app(), 'tsconfig.json'), JSON.stringify(TSCONFIG));
    await run(app(), process.execPath, [join(app(), 'node_modules', 'typescript', 'bin', 'tsc'), '-p', '.']);
  });

  it('runs under Vitest', async () => {
    await writeFile(join(app(), 'envelope.test.ts'), VITEST_TEST);
    const { stdout } = await run(app(), process.execPath, [
      join(app(), 'node_modules', 'vitest', 'vitest.mjs'),
      'run',
      'envelope.test.ts',
    ]);
    expect(stdout).to.match(/1 passed/);
  });

  it('runs @envelope/testing under Vitest (useEmulator with beforeAll/afterAll/beforeEach)', async () => {
    await writeFile(join(app(), 'emulator.test.ts'), VITEST_TESTING);
    const { stdout } = await run(app(), process.execPath, [
      join(app(), 'node_modules', 'vitest', 'vitest.mjs'),
      'run',
      'emulator.test.ts',
    ]);
    expect(stdout).to.match(/2 passed/);
  });

  it('runs @envelope/testing under Jest (native ESM, no transform)', async () => {
    await writeFile(join(app(), 'emulator.jest.mjs'), JEST_TESTING);
    await writeFile(
      join(app(), 'jest.config.json'),
      JSON.stringify({ testMatch: ['**/emulator.jest.mjs'], transform: {}, testEnvironment: 'node' }),
    );
    // Jest reports on stderr; ESM needs the VM modules flag.
    const { stderr } = await run(
      app(),
      process.execPath,
      ['--experimental-vm-modules', join(app(), 'node_modules', 'jest', 'bin', 'jest.js'), '--ci'],
      { NODE_NO_WARNINGS: '1' },
    );
    expect(stderr).to.match(/Tests:\s+2 passed, 2 total/);
  });

  it('with only core and config installed, encrypts with raw AES and installs and loads no cloud SDK, keyring package, emulator or SQLite', async () => {
    const lean = join(scratch, 'lean');
    await mkdir(lean);
    const only = packed.filter((p) => p.name === '@envelope/core' || p.name === '@envelope/config');
    const fileSpec = Object.fromEntries(only.map((p) => [p.name, `file:${p.tarball}`]));
    await writeFile(
      join(lean, 'package.json'),
      JSON.stringify({
        name: 'envelope-lean',
        private: true,
        type: 'module',
        dependencies: fileSpec,
        overrides: fileSpec,
      }),
    );
    await run(lean, 'npm', ['install', ...NPM_FLAGS]);
    const { stdout: tree } = await run(lean, 'npm', ['ls', '--all', '--parseable']);
    const installed = tree.split('\n').filter((line) => line.includes('node_modules'));
    expect(installed.some((dir) => dir.endsWith(join('node_modules', '@envelope', 'config')))).to.equal(true);
    expect(installed.filter((dir) => CLOUD_OR_NATIVE.test(dir))).to.deep.equal([]);

    await writeFile(join(lean, 'record.mjs'), RECORD_MODULES);
    await writeFile(join(lean, 'record-hooks.mjs'), RECORD_HOOKS);
    await writeFile(join(lean, 'app.mjs'), RAW_AES_APP);
    const { stdout } = await run(lean, process.execPath, ['--import', './record.mjs', 'app.mjs']);
    const result = JSON.parse(stdout.trim().split('\n').at(-1)!);
    expect(result.plaintext).to.equal('raw aes only');
    expect(result.gcp).to.match(
      /^ConfigError: .*'gcp-kms' comes from the package @envelope\/gcp-kms, which is not installed.*npm i @envelope\/gcp-kms/,
    );
    expect(result.emulator).to.match(/^ConfigError: .*needs the package @envelope\/kms-emulator/);
    const loaded = (await readFile(join(lean, 'modules.txt'), 'utf8')).split('\n').filter(Boolean);
    // The recording saw the application load config (so it cannot pass by seeing nothing) …
    expect(loaded.some((url) => url.includes('/node_modules/@envelope/config/dist/'))).to.equal(true);
    // … and nothing of a cloud, the emulator or SQLite.
    expect(loaded.filter((url) => CLOUD_OR_NATIVE.test(url))).to.deep.equal([]);
  });

  it('installs the CLI globally from its tarball alone and runs it', async () => {
    const cli = packed.find((p) => p.name === '@envelope/cli')!;
    const prefix = join(scratch, 'global');
    // --omit=optional: better-sqlite3 (for a durable `kms serve`) would compile from source here.
    await run(scratch, 'npm', [
      'install',
      '--global',
      '--prefix',
      prefix,
      '--omit=optional',
      ...NPM_FLAGS,
      cli.tarball,
    ]);
    const envelope = join(prefix, 'bin', 'envelope');
    const version = await run(scratch, envelope, ['--version']);
    expect(version.stdout.trim()).to.equal(
      JSON.parse(await readFile(join(cli.dir, 'package.json'), 'utf8')).version,
    );

    const work = join(scratch, 'cli-work');
    await mkdir(work);
    await writeFile(join(work, 'k.key'), Buffer.alloc(32, 7));
    await writeFile(
      join(work, 'envelope.yaml'),
      'keyring: { type: raw-aes, keyNamespace: app, keyName: k, key: { file: k.key } }\n',
    );
    await writeFile(join(work, 'data.txt'), 'installed from a tarball');
    await run(work, envelope, ['encrypt', 'data.txt', '-o', 'data.env', '-q']);
    await run(work, envelope, ['decrypt', 'data.env', '-o', 'out.txt', '-q']);
    expect(await readFile(join(work, 'out.txt'), 'utf8')).to.equal('installed from a tarball');
    // Worker threads: the bundle's frame-worker.cjs beside envelope.mjs.
    await run(work, envelope, ['encrypt', 'data.txt', '-o', 'threads.env', '-q', '--threads', '2']);
    await run(work, envelope, ['decrypt', 'threads.env', '-o', 'threads.txt', '-q', '--threads', '2']);
    expect(await readFile(join(work, 'threads.txt'), 'utf8')).to.equal('installed from a tarball');
  });
});
