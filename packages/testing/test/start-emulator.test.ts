import { fileURLToPath } from 'node:url';
import { DecryptCommand, EncryptCommand, KMSClient } from '@aws-sdk/client-kms';
import { createEnvelope } from '@envelope/config';
import { sharedEmulator } from '@envelope/config/emulator';
import { InvalidArgumentError, KeyringError } from '@envelope/core';
import { SeedFileError } from '@envelope/kms-emulator';
import { EmulatorNotRunningError, type RunningEmulator, startEmulator, useEmulator } from '@envelope/testing';
import { expect } from 'chai';
import { rejection } from './support/rejection.js';

const PORTABLE = fileURLToPath(new URL('./fixtures/portable-seed.yaml', import.meta.url));
const KEY_ID = '2b3c4d5e-6f70-4182-93a4-b5c6d7e8f901';
const ARN = `arn:aws:kms:us-east-1:111122223333:key/${KEY_ID}`;
const PRODUCTION = `keyring: { type: aws-kms, generator: "${ARN}" }\n`;
const SEED = { keys: [{ id: KEY_ID, aliases: ['alias/orders'] }] };

describe('startEmulator, in-process', () => {
  let emulator: RunningEmulator;
  beforeEach(async () => {
    emulator = await startEmulator({ seed: SEED });
  });
  afterEach(() => emulator.stop());

  it('is the engine `emulator: true` uses, seeded, so a production config runs unchanged', async () => {
    expect(emulator.url).to.equal(undefined);
    expect(emulator.engine).to.equal(sharedEmulator().engine);
    const app = await createEnvelope({ configText: PRODUCTION, env: { ENVELOPE_EMULATOR: 'true' } });
    const { ciphertext } = await app.encrypt('order 42');
    expect((await app.decrypt(ciphertext)).plaintext.toString()).to.equal('order 42');
    expect(emulator.auditLog({ operation: 'GenerateDataKey', keyId: KEY_ID })).to.have.length(1);
    expect(emulator.auditLog({ operation: 'Decrypt', outcome: 'success' })).to.have.length(1);
    expect(emulator.auditLog({ outcome: 'failure' })).to.deep.equal([]);
  });

  it('injects faults and clears them', async () => {
    const app = await createEnvelope({ configText: PRODUCTION, env: { ENVELOPE_EMULATOR: '1' } });
    const { ciphertext } = await app.encrypt('x');
    emulator.faults.regionDown('us-east-1');
    expect(await rejection(app.decrypt(ciphertext))).to.be.instanceOf(Error);
    emulator.faults.clear();
    const failing = emulator.faults.fail({ operation: 'Decrypt', exception: 'KMSInternalException' });
    expect(await rejection(app.decrypt(ciphertext))).to.be.instanceOf(KeyringError);
    expect(emulator.auditLog({ operation: 'Decrypt', outcome: 'failure' })[0]!.errorCode).to.equal(
      'KMSInternalException',
    );
    failing.remove();
    expect((await app.decrypt(ciphertext)).plaintext.toString()).to.equal('x');
  });

  it('resets to the seeded state: other keys, audit events and faults are gone', async () => {
    const kms = new KMSClient(emulator.aws.clientConfig());
    await emulator.engine.execute('CreateKey', {}, emulator.engine.context('us-east-1'));
    emulator.faults.throttle({ operation: 'ListKeys' });
    await emulator.reset();
    const { Keys } = (await emulator.engine.execute(
      'ListKeys',
      {},
      emulator.engine.context('us-east-1'),
    )) as {
      Keys: { KeyId: string }[];
    };
    expect(Keys.map((k) => k.KeyId)).to.deep.equal([KEY_ID]);
    // The client made before the reset reaches the new engine.
    const { CiphertextBlob } = await kms.send(
      new EncryptCommand({ KeyId: 'alias/orders', Plaintext: Buffer.from('y') }),
    );
    expect(CiphertextBlob).to.be.instanceOf(Uint8Array);
    expect(emulator.auditLog().map((e) => e.eventName)).to.deep.equal(['ListKeys', 'Encrypt']);
    kms.destroy();
  });

  it('refuses a bad seed with the seed error, naming the path', async () => {
    const error = await rejection(startEmulator({ seed: { keys: [{ id: 'nope' }] } }));
    expect(error).to.be.instanceOf(SeedFileError);
    expect(error.message).to.include('startEmulator({ seed })').and.include('keys[0].id');
    expect(await rejection(startEmulator({ seed: 42 as never }))).to.be.instanceOf(InvalidArgumentError);
  });
});

describe('startEmulator({ server: true })', () => {
  it('serves on a free port, resets on the same URL, and stops', async () => {
    const emulator = await startEmulator({ server: true, seed: SEED });
    try {
      expect(emulator.url).to.match(/^http:\/\/127\.0\.0\.1:\d+$/);
      const app = await createEnvelope({ configText: PRODUCTION, emulator: emulator.target, env: {} });
      const { ciphertext } = await app.encrypt('over http');
      expect((await app.decrypt(ciphertext)).plaintext.toString()).to.equal('over http');
      expect(emulator.auditLog({ operation: 'GenerateDataKey' })).to.have.length(1);
      const url = emulator.url;
      await emulator.reset();
      expect(emulator.url).to.equal(url);
      expect(emulator.auditLog()).to.deep.equal([]);
      await app.encrypt('still there after the reset'); // the seeded key again, same URL
    } finally {
      await emulator.stop();
    }
  });

  it('shares keys with an in-process engine seeded with the same material (portable fixtures)', async () => {
    const server = await startEmulator({ server: true, seed: PORTABLE });
    const local = await startEmulator({ seed: PORTABLE });
    const viaServer = new KMSClient(server.aws.clientConfig());
    const inProcess = new KMSClient(local.aws.clientConfig());
    try {
      const { CiphertextBlob } = await viaServer.send(
        new EncryptCommand({ KeyId: 'alias/portable', Plaintext: Buffer.from('portable') }),
      );
      const out = await inProcess.send(new DecryptCommand({ CiphertextBlob }));
      expect(Buffer.from(out.Plaintext!).toString()).to.equal('portable');
      const back = await inProcess.send(
        new EncryptCommand({ KeyId: 'alias/portable', Plaintext: Buffer.from('back') }),
      );
      const again = await viaServer.send(new DecryptCommand({ CiphertextBlob: back.CiphertextBlob }));
      expect(Buffer.from(again.Plaintext!).toString()).to.equal('back');
    } finally {
      viaServer.destroy();
      inProcess.destroy();
      await server.stop();
      await local.stop();
    }
  });
});

describe('useEmulator with mocha’s hooks', () => {
  const emulator = useEmulator({ before, after, beforeEach }, { seed: SEED });

  it('is running inside tests, seeded', async () => {
    const app = await createEnvelope({ configText: PRODUCTION, env: { ENVELOPE_EMULATOR: '1' } });
    await app.encrypt('first');
    expect(emulator.auditLog({ operation: 'GenerateDataKey' })).to.have.length(1);
  });

  it('was reset before this test', () => {
    expect(emulator.auditLog({ operation: 'GenerateDataKey' })).to.deep.equal([]);
  });
});

describe('useEmulator misuse', () => {
  it('refuses hooks that are not functions, naming what to pass', () => {
    expect(() => useEmulator({})).to.throw(InvalidArgumentError, /beforeAll, afterAll/);
  });

  it('says when the handle is used before its hook has run', () => {
    const hooks: (() => Promise<void>)[] = [];
    const handle = useEmulator({ beforeAll: (fn) => hooks.push(fn), afterAll: (fn) => hooks.push(fn) });
    expect(() => handle.engine).to.throw(EmulatorNotRunningError, /before\/beforeAll hook/);
  });
});
