import { CreateKeyCommand, KMSClient, ListKeysCommand } from '@aws-sdk/client-kms';
import {
  EmulatorAdmin,
  EmulatorAdminError,
  type RunningEmulator,
  startEmulator,
  useEmulator,
} from '@envelope/testing';
import { expect } from 'chai';
import { rejection } from './support/rejection.js';

const KEY_ID = '2b3c4d5e-6f70-4182-93a4-b5c6d7e8f901';
const SEED = { keys: [{ id: KEY_ID, aliases: ['alias/orders'] }] };

describe('EmulatorAdmin, the typed admin API client, against a server', () => {
  let emulator: RunningEmulator;
  let admin: EmulatorAdmin;
  let kms: KMSClient;
  before(async () => {
    emulator = await startEmulator({ server: true, seed: SEED });
    admin = emulator.admin!;
    kms = new KMSClient({ ...emulator.aws.clientConfig(), maxAttempts: 1 });
  });
  after(async () => {
    kms.destroy();
    await emulator.stop();
  });
  beforeEach(() => admin.reset());

  it('is the server’s, and there is none in-process', async () => {
    expect(admin).to.be.instanceOf(EmulatorAdmin);
    expect(admin.url).to.equal(emulator.url);
    expect(new EmulatorAdmin(`${emulator.url}/`).url).to.equal(emulator.url);
    const local = await startEmulator();
    try {
      expect(local.admin).to.equal(undefined);
    } finally {
      await local.stop();
    }
  });

  it('reset(): back to the seed, on the same server and engine', async () => {
    const engine = emulator.engine;
    await kms.send(new CreateKeyCommand({}));
    await admin.reset();
    const { Keys } = await kms.send(new ListKeysCommand({}));
    expect(Keys!.map((k) => k.KeyId)).to.deep.equal([KEY_ID]);
    expect(emulator.engine).to.equal(engine);
  });

  it('audit() and auditAll(): filtered, paged, typed per cloud', async () => {
    const since = new Date();
    for (let i = 0; i < 3; i++) await kms.send(new ListKeysCommand({}));
    const page = await admin.audit({ operation: 'ListKeys', since, limit: 2 });
    expect(page.events).to.have.length(2);
    expect(page.next).to.be.a('string');
    const rest = await admin.audit({ operation: 'ListKeys', since, limit: 2, next: page.next! });
    expect(rest.events).to.have.length(1);
    expect(rest.next).to.equal(undefined);
    const all = await admin.auditAll({ cloud: 'aws', operation: 'ListKeys' });
    expect(all.map((e) => (e.cloud === 'aws' ? e.event.eventName : e.cloud))).to.deep.equal([
      'ListKeys',
      'ListKeys',
      'ListKeys',
    ]);
    // The seed's CreateKey is in the log too (the state a reset goes back to).
    expect(await admin.auditAll({ key: KEY_ID, operation: 'CreateKey' })).to.have.length(1);
  });

  it('faults.inject / list / clear, for any cloud', async () => {
    const id = await admin.faults.inject({ throttle: { operation: 'ListKeys' } });
    const gcp = await admin.faults.inject({ down: { service: 'gcp', location: 'projects/p/locations/l' } });
    expect(await admin.faults.list()).to.deep.equal([
      { id, kind: 'throttle', service: 'aws', operation: 'ListKeys', probability: 1, calls: 0 },
      { id: gcp, kind: 'down', service: 'gcp', location: 'projects/p/locations/l', calls: 0 },
    ]);
    const throttled = await rejection(kms.send(new ListKeysCommand({})));
    expect(throttled.name).to.equal('ThrottlingException');
    expect(await admin.faults.clear(id)).to.equal(1);
    await kms.send(new ListKeysCommand({}));
    expect(await admin.faults.clear()).to.equal(1);
    expect(await admin.faults.list()).to.deep.equal([]);
  });

  it('metrics(): the Prometheus text, counting the calls made', async () => {
    await kms.send(new ListKeysCommand({}));
    const text = await admin.metrics();
    expect(text).to.match(
      /^envelope_kms_requests_total\{cloud="aws",operation="ListKeys",location="us-east-1",code="OK",http_status="200"\} \d+$/m,
    );
  });

  it('throws EmulatorAdminError with the server’s message for a refused request', async () => {
    const error = await rejection(admin.faults.inject({ fail: { service: 'gcp', error: 'NoSuchStatus' } }));
    expect(error).to.be.instanceOf(EmulatorAdminError);
    expect(error).to.include({ status: 400, code: 'ENVELOPE_EMULATOR_ADMIN_FAILED' });
    expect(error.message).to.match(
      /^POST \/_envelope\/faults answered 400: .*fail\.error: must be a Cloud KMS status/,
    );
    const missing = await rejection(admin.faults.clear(999));
    expect(missing.message).to.equal(
      'DELETE /_envelope/faults/999 answered 404: No fault 999 is in force; GET /_envelope/faults lists them.',
    );
    const badQuery = await rejection(admin.audit({ limit: 0 }));
    expect(badQuery.message).to.match(/limit must be an integer from 1 to 1000/);
  });

  it('throws EmulatorAdminError with status 0 when nothing listens', async () => {
    const closed = await startEmulator({ server: true });
    const url = closed.url!;
    await closed.stop();
    const error = await rejection(new EmulatorAdmin(url).reset());
    expect(error).to.be.instanceOf(EmulatorAdminError);
    expect(error).to.include({ status: 0 });
    expect(error.message).to.equal(`POST ${url}/_envelope/reset failed: is the emulator server running?`);
  });
});

describe('useEmulator({ server: true }) resets through the admin API between tests', () => {
  const emulator = useEmulator({ before, after, beforeEach }, { server: true, seed: SEED });
  let url: string | undefined;

  it('creates a key and injects a fault', async () => {
    url = emulator.url;
    const kms = new KMSClient(emulator.aws.clientConfig());
    await kms.send(new CreateKeyCommand({}));
    await emulator.admin!.faults.inject({ throttle: { operation: 'CreateKey' } });
    kms.destroy();
  });

  it('sees the seed only, no fault, same URL', async () => {
    expect(emulator.url).to.equal(url);
    const kms = new KMSClient(emulator.aws.clientConfig());
    const { Keys } = await kms.send(new ListKeysCommand({}));
    expect(Keys!.map((k) => k.KeyId)).to.deep.equal([KEY_ID]);
    expect(await emulator.admin!.faults.list()).to.deep.equal([]);
    expect(emulator.auditLog().map((e) => e.eventName)).to.deep.equal(['ListKeys']);
    kms.destroy();
  });
});
