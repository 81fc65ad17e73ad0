import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEnvelope } from '@envelope/config';
import { sharedEmulator } from '@envelope/config/emulator';
import { ConfigError } from '@envelope/core';
import { SeedFileError } from '@envelope/kms-emulator';
import { expect } from 'chai';

const KEY_ID = '6a5b4c3d-2e1f-4a0b-9c8d-7e6f5a4b3c2d';
const ARN = `arn:aws:kms:eu-central-1:111122223333:key/${KEY_ID}`;
/** A production config: a real-looking key ARN, nothing emulator-specific in the keyring. */
const PRODUCTION = `keyring: { type: aws-kms, generator: "${ARN}" }\n`;
const SEED = `emulator:\n  seed:\n    keys: [ { id: ${KEY_ID}, region: eu-central-1 } ]\n`;

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection');
}

describe('the shared in-process emulator', () => {
  afterEach(() => sharedEmulator().reset({ forgetSeeds: true }));

  it('is one engine per process: a writer and a reader created separately share messages', async () => {
    const config = 'emulator: true\nkeyring: { type: emulator, key: alias/shared }\n';
    const writer = await createEnvelope({ configText: config, env: {} });
    const { ciphertext } = await writer.encrypt('written once');
    const reader = await createEnvelope({ configText: config, env: {} });
    expect((await reader.decrypt(ciphertext)).plaintext.toString()).to.equal('written once');
    expect(reader.emulator).to.equal(sharedEmulator().target);
  });

  it('runs a production config naming real ARNs unchanged when emulator.seed declares those keys', async () => {
    const envelope = await createEnvelope({ configText: PRODUCTION + SEED, env: {} });
    const { ciphertext, header } = await envelope.encrypt('prod config, offline');
    expect(header.encryptedDataKeys[0]!.providerInfo.toString()).to.equal(ARN);
    expect((await envelope.decrypt(ciphertext)).plaintext.toString()).to.equal('prod config, offline');
    // The same production config with the switch from the environment reaches the same engine.
    const fromEnv = await createEnvelope({ configText: PRODUCTION, env: { ENVELOPE_EMULATOR: '1' } });
    expect((await fromEnv.decrypt(ciphertext)).plaintext.toString()).to.equal('prod config, offline');
  });

  it('reads emulator.seed as a seed file path relative to the config file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'envelope-seed-'));
    try {
      writeFileSync(join(dir, 'seed.yaml'), `keys:\n  - id: ${KEY_ID}\n    region: eu-central-1\n`);
      writeFileSync(join(dir, 'envelope.yaml'), `${PRODUCTION}emulator: { seed: seed.yaml }\n`);
      const envelope = await createEnvelope({ configFile: join(dir, 'envelope.yaml'), env: {} });
      const { ciphertext } = await envelope.encrypt('from a seed file');
      expect((await envelope.decrypt(ciphertext)).plaintext.toString()).to.equal('from a seed file');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('resets to the seeded state, and Envelopes created before the reset use the new engine', async () => {
    const envelope = await createEnvelope({ configText: PRODUCTION + SEED, env: {} });
    const before = sharedEmulator().engine;
    await envelope.encrypt('before');
    await sharedEmulator().reset();
    expect(sharedEmulator().engine).not.to.equal(before);
    expect(sharedEmulator().engine.auditLog()).to.have.length.greaterThan(0); // the seed's CreateKey
    const { ciphertext } = await envelope.encrypt('after');
    expect((await envelope.decrypt(ciphertext)).plaintext.toString()).to.equal('after');
    expect(
      sharedEmulator()
        .engine.auditLog()
        .map((e) => e.eventName),
    ).to.include('GenerateDataKey');

    await sharedEmulator().reset({ forgetSeeds: true });
    const error = await rejection(envelope.encrypt('no key now'));
    expect(error.message).to.match(/NotFoundException/);
  });

  it('refuses emulator.seed together with a server URL, saying where the seed belongs', async () => {
    const error = await rejection(
      createEnvelope({
        configText: `${PRODUCTION}emulator: { url: "http://127.0.0.1:4599", seed: seed.yaml }\n`,
        env: {},
      }),
    );
    expect(error).to.be.instanceOf(ConfigError);
    expect(error.message).to.match(/in-process emulator only.*--seed/);
  });

  it('refuses an invalid inline seed, naming the config and the path', async () => {
    const error = await rejection(
      createEnvelope({
        configText: `${PRODUCTION}emulator: { seed: { keys: [ { id: not-a-uuid } ] } }\n`,
        configName: 'app.yaml',
        env: {},
      }),
    );
    expect(error).to.be.instanceOf(SeedFileError);
    expect(error.message).to.include('app.yaml: emulator.seed').and.include('keys[0].id');
  });
});
