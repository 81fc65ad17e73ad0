import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { awsKmsModule, keyringPackage } from '@envelope/aws-kms';
import { createEnvelope, emulatorServerTarget, KEYRING_PACKAGES, keyringPackageName } from '@envelope/config';
import { ConfigError, type EmulatorTarget, type KeyringPackage } from '@envelope/core';
import { expect } from 'chai';

const exec = promisify(execFile);
const FIXTURES = fileURLToPath(new URL('fixtures/', import.meta.url));
const RAW_AES = 'keyring: { type: raw-aes, keyNamespace: app, keyName: k, key: { env: KEY } }\n';
const ARN = 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const AWS = `keyring: { type: aws-kms, generator: "${ARN}" }\n`;
/** Packages an application that encrypts with raw keys must not load. */
const HEAVY = /@aws-sdk|@google-cloud|@azure|better-sqlite3|node:sqlite|\/kms-emulator\/|\/aws-kms\//;

/** Builds an Envelope in a fresh Node process (ES modules, as an application runs) and lists what it resolved. */
async function modulesLoadedBy(
  config: string,
  buildOnly = false,
): Promise<{ output: string; urls: string[] }> {
  const dir = await mkdtemp(join(tmpdir(), 'envelope-modules-'));
  const record = join(dir, 'modules.txt');
  try {
    const { stdout } = await exec(
      process.execPath,
      [
        '--import',
        'tsx',
        '--conditions=@envelope/source',
        '--import',
        join(FIXTURES, 'record-modules.mjs'),
        join(FIXTURES, 'create-envelope.ts'),
        config,
        ...(buildOnly ? ['build-only'] : []),
      ],
      { env: { ...process.env, RECORD_MODULES_TO: record, NODE_NO_WARNINGS: '1' } },
    );
    return { output: stdout.trim(), urls: (await readFile(record, 'utf8')).split('\n').filter(Boolean) };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function rejection(promise: Promise<unknown>): Promise<Error> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).to.be.instanceOf(Error);
  return error as Error;
}

describe('keyring packages, loaded when a config names their types', () => {
  it('loads no cloud SDK, keyring package or emulator for a raw AES config', async () => {
    const { output, urls } = await modulesLoadedBy(RAW_AES);
    expect(output).to.equal('loaded on demand');
    expect(urls.some((url) => url.includes('/config/src/create-envelope.ts'))).to.equal(true);
    expect(urls.filter((url) => HEAVY.test(url))).to.deep.equal([]);
  });

  it('loads @envelope/aws-kms and its SDK, but not the emulator, for an aws-kms config', async () => {
    // The same recording sees them when they do load: the check above cannot pass by seeing nothing.
    const { urls } = await modulesLoadedBy(AWS, true);
    expect(urls.some((url) => url.includes('/aws-kms/src/index.ts'))).to.equal(true);
    expect(urls.some((url) => url.includes('@aws-sdk/client-kms'))).to.equal(true);
    expect(urls.filter((url) => /kms-emulator/.test(url))).to.deep.equal([]);
  });

  it('with the switch on a server URL, loads the keyring package only, not the emulator', async () => {
    const { urls } = await modulesLoadedBy(`emulator: { url: "http://127.0.0.1:4599" }\n${AWS}`, true);
    expect(urls.some((url) => url.includes('/aws-kms/src/index.ts'))).to.equal(true);
    expect(urls.filter((url) => /kms-emulator/.test(url))).to.deep.equal([]);
  });

  it('maps a type and its variants to the package that provides them', () => {
    expect(keyringPackageName('aws-kms', KEYRING_PACKAGES)).to.equal('@envelope/aws-kms');
    expect(keyringPackageName('aws-kms-discovery', KEYRING_PACKAGES)).to.equal('@envelope/aws-kms');
    expect(keyringPackageName('emulator', KEYRING_PACKAGES)).to.equal('@envelope/aws-kms');
    expect(keyringPackageName('gcp-kms', KEYRING_PACKAGES)).to.equal('@envelope/gcp-kms');
    expect(keyringPackageName('gcp-kms-discovery', KEYRING_PACKAGES)).to.equal('@envelope/gcp-kms');
    expect(keyringPackageName('azure-keyvault', KEYRING_PACKAGES)).to.equal('@envelope/azure-keyvault');
    expect(keyringPackageName('aws-kmsx', KEYRING_PACKAGES)).to.equal(undefined);
    expect(keyringPackageName('raw-aes', KEYRING_PACKAGES)).to.equal(undefined);
  });

  it('refuses a type whose package is not installed, naming the package to install', async () => {
    const error = await rejection(
      createEnvelope({
        configText: 'keyring: { type: multi, children: [ { type: acme-vault-hsm, mount: x } ] }',
        configName: 'app.yaml',
        env: {},
        keyringPackages: { 'acme-vault': '@acme/envelope-vault' },
      }),
    );
    expect(error).to.be.instanceOf(ConfigError);
    expect(error.message).to.equal(
      "app.yaml: keyring.children[0].type: 'acme-vault-hsm' comes from the package @acme/envelope-vault, which is not installed; install it beside @envelope/config (npm i @acme/envelope-vault).",
    );
  });

  it('refuses a package that exports no keyringPackage, or lacks the type named', async () => {
    const noExport = await rejection(
      createEnvelope({ configText: AWS, env: {}, importPackage: async () => ({ awsKmsModule }) }),
    );
    expect(noExport).to.be.instanceOf(ConfigError);
    expect(noExport.message).to.match(/@envelope\/aws-kms, but it exports no keyringPackage/);
    const noType = await rejection(
      createEnvelope({
        configText: 'keyring: { type: aws-kms-nope, keyId: x }',
        env: {},
        importPackage: async () => ({ keyringPackage }),
      }),
    );
    expect(noType).to.be.instanceOf(ConfigError);
    expect(noType.message).to.match(
      /keyring\.type: the package @envelope\/aws-kms has no keyring type 'aws-kms-nope'; it provides aws-kms, /,
    );
  });

  it('imports a package once however many keyrings name it, and calls its emulator hook once', async () => {
    const imported: string[] = [];
    const targets: EmulatorTarget[] = [];
    const counted: KeyringPackage = {
      ...keyringPackage,
      emulatorClient: (target) => {
        targets.push(target);
        return keyringPackage.emulatorClient(target);
      },
    };
    const envelope = await createEnvelope({
      configText: `emulator: { url: "http://127.0.0.1:4599" }\nkeyring:\n  type: multi\n  generator: { type: aws-kms, generator: "${ARN}" }\n  children: [ { type: aws-kms-discovery }, { type: emulator, key: alias/x } ]\n`,
      env: {},
      importPackage: async (name) => {
        imported.push(name);
        return { keyringPackage: counted };
      },
    });
    expect(imported).to.deep.equal(['@envelope/aws-kms']);
    expect(targets.map((t) => t.url)).to.deep.equal(['http://127.0.0.1:4599']);
    expect(envelope.keyring.description).to.include('emulator(alias/x in us-east-1)');
  });

  it('asks an emulator server where its faces listen once for a config naming both GCP and Azure keys', async () => {
    const asked: string[] = [];
    const server = createServer((request, response) => {
      asked.push(`${request.method} ${request.url}`);
      response.setHeader('content-type', 'application/json');
      response.end(
        JSON.stringify({
          endpoints: {
            'gcp-rest': { url: 'http://127.0.0.1:1', port: 1 },
            'azure-https': { url: 'http://127.0.0.1:2', port: 2, caCertPem: 'not used before a call' },
          },
        }),
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const envelope = await createEnvelope({
        configText: [
          `emulator: { url: "${url}" }`,
          'keyring:',
          '  type: multi',
          '  generator: { type: gcp-kms, generator: "projects/p/locations/global/keyRings/r/cryptoKeys/k" }',
          '  children: [ { type: azure-keyvault, keyId: "https://vault1.vault.azure.net/keys/k" } ]',
          '',
        ].join('\n'),
        env: {},
      });
      expect(envelope.keyring.description).to.include('azure');
      expect(asked).to.deep.equal(['GET /_envelope/endpoints']);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('asks an emulator server where its faces listen again when the first lookup failed (server not yet answering)', async () => {
    let ready = false;
    const asked: number[] = [];
    const server = createServer((_request, response) => {
      asked.push(ready ? 200 : 503);
      if (!ready) {
        response.statusCode = 503;
        response.end();
        return;
      }
      response.setHeader('content-type', 'application/json');
      response.end(JSON.stringify({ endpoints: { 'gcp-rest': { url: 'http://127.0.0.1:1', port: 1 } } }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const target = emulatorServerTarget(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
      expect(await target.endpoints()).to.equal(undefined);
      ready = true;
      const expected = { 'gcp-rest': { url: 'http://127.0.0.1:1', port: 1 } };
      expect(await target.endpoints()).to.deep.equal(expected);
      expect(await target.endpoints()).to.deep.equal(expected);
      expect(asked).to.deep.equal([503, 200]);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('refuses to send an adapter registered without its package to AWS while the switch is on', async () => {
    const error = await rejection(
      createEnvelope({ configText: `emulator: true\n${AWS}`, env: {}, modules: [awsKmsModule] }),
    );
    expect(error).to.be.instanceOf(ConfigError);
    expect(error.message).to.match(/registered without its emulator hook: pass its `keyringPackage`/);
  });
});
