import { randomBytes } from 'node:crypto';
import { CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { AwsKmsKeyring, cachingClientSupplier } from '@envelope/aws-kms';
import { decrypt, encrypt, type FleetMessage, MultiKeyring, rotateFleet, SuiteId } from '@envelope/core';
import { KmsEngine, MemoryResourceStore } from '@envelope/kms-emulator';
import { createKmsRequestHandler } from '@envelope/kms-protocols';
import { expect } from 'chai';

const CREDENTIALS = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'not-a-secret' };

/** The in-process emulator behind the real AWS SDK, and an in-memory data set of messages. */
async function setUp(regions: string[]) {
  const engine = new KmsEngine({ store: new MemoryResourceStore(), rootKey: randomBytes(32) });
  const requestHandler = createKmsRequestHandler(engine);
  const clientSupplier = cachingClientSupplier({ credentials: CREDENTIALS, requestHandler, maxAttempts: 1 });
  const keys: string[] = [];
  for (const region of regions) {
    const admin = new KMSClient({ region, credentials: CREDENTIALS, requestHandler });
    keys.push((await admin.send(new CreateKeyCommand({}))).KeyMetadata!.Arn!);
  }
  const keyring = (...arns: string[]) =>
    new AwsKmsKeyring({ generatorKeyId: arns[0]!, keyIds: arns.slice(1), clientSupplier });
  const rows = new Map<string, Buffer>();
  const messages = (): FleetMessage[] =>
    [...rows.keys()].map((id) => ({
      id,
      read: async function* () {
        yield rows.get(id)!;
      },
      write: async (message) => {
        const parts: Buffer[] = [];
        for await (const part of message) parts.push(Buffer.from(part));
        rows.set(id, Buffer.concat(parts));
      },
    }));
  const events = (name: string) => engine.auditLog({}).filter((e) => e.eventName === name && !e.errorCode);
  return { engine, keys, keyring, clientSupplier, rows, messages, events };
}

describe('fleet rotation against the KMS emulator (official AWS SDK, in-process)', () => {
  it('rotates to a new key with one Decrypt per message and one GenerateDataKey per message (audit log)', async () => {
    const kms = await setUp(['us-east-1', 'eu-west-1']);
    const [oldKey, newKey] = kms.keys as [string, string];
    for (let i = 0; i < 10; i++)
      kms.rows.set(`m${i}`, (await encrypt(randomBytes(3000), { keyring: kms.keyring(oldKey) })).ciphertext);
    const before = kms.engine.auditLog({}).length;
    const summary = await rotateFleet(kms.messages(), {
      keyring: kms.keyring(oldKey),
      targetKeyring: kms.keyring(newKey),
    });
    expect(summary).to.include({ rotated: 10, failed: 0 });
    expect(summary.kmsCalls).to.deep.equal({ unwraps: 10, wraps: 10, probeWraps: 1 });
    const audit = kms.engine.auditLog({}).slice(before);
    const count = (name: string) => audit.filter((e) => e.eventName === name).length;
    expect(count('Decrypt')).to.equal(10);
    expect(count('GenerateDataKey')).to.equal(10);
    expect(count('Encrypt')).to.equal(1); // the probe, once per run
    for (const message of kms.rows.values()) {
      await decrypt(message, { keyring: kms.keyring(newKey) });
    }
  });

  it('slows down when KMS throttles (emulator fault) and still rotates every message', async () => {
    const kms = await setUp(['us-east-1', 'eu-west-1']);
    const [oldKey, newKey] = kms.keys as [string, string];
    for (let i = 0; i < 16; i++)
      kms.rows.set(`m${i}`, (await encrypt(randomBytes(2000), { keyring: kms.keyring(oldKey) })).ciphertext);
    kms.engine.faults.throttle({ operation: 'Decrypt', probability: 0.6 });
    // The source keyring makes one attempt per unwrap, so every throttled Decrypt reaches the fleet
    // (with the keyring's own 4 attempts, 0.6^4 per message, a run could see no throttle at all).
    const source = new AwsKmsKeyring({
      generatorKeyId: oldKey,
      clientSupplier: kms.clientSupplier,
      retry: { maxAttempts: 1 },
    });
    const summary = await rotateFleet(kms.messages(), {
      keyring: source,
      targetKeyring: kms.keyring(newKey),
      concurrency: 8,
      backoff: { baseDelayMs: 5, maxDelayMs: 50 },
    });
    kms.engine.faults.clear();
    expect(summary).to.include({ rotated: 16, failed: 0 });
    expect(summary.throttles).to.be.greaterThan(0);
    expect(summary.finalConcurrency).to.be.lessThan(8);
    expect(kms.events('Decrypt')).to.have.length(16); // successful Decrypts: one per message
    for (const message of kms.rows.values()) await decrypt(message, { keyring: kms.keyring(newKey) });
  });

  it('repairs messages written during an outage with 2 of 3 regions; then each region alone decrypts', async () => {
    const kms = await setUp(['us-east-1', 'eu-west-1', 'ap-southeast-2']);
    const [a, b, c] = kms.keys as [string, string, string];
    const plaintext = randomBytes(5000);
    const write = async (id: string, suiteId: number, ...arns: string[]) =>
      kms.rows.set(id, (await encrypt(plaintext, { keyring: kms.keyring(...arns), suiteId })).ciphertext);
    await write('outage-unsigned', SuiteId.AES_256_GCM_HKDF_SHA512_COMMIT_KEY, a, b);
    await write('outage-signed', SuiteId.AES_256_GCM_HKDF_SHA512_COMMIT_KEY_ECDSA_P384, b, c);
    await write('complete', SuiteId.AES_256_GCM_HKDF_SHA512_COMMIT_KEY_ECDSA_P384, a, b, c);
    // One keyring per key (as a config's multi keyring makes them): adding a key costs one wrap.
    const config = new MultiKeyring({
      generator: kms.keyring(a),
      children: [kms.keyring(b), kms.keyring(c)],
    });
    const summary = await rotateFleet(kms.messages(), {
      keyring: config,
      targetKeyring: config,
      mode: 'repair',
    });
    expect(summary).to.include({ rotated: 2, skipped: 1, failed: 0 });
    expect(summary.kmsCalls).to.deep.equal({ unwraps: 2, wraps: 1 + 3, probeWraps: 3 });
    for (const message of kms.rows.values()) {
      for (const arn of [a, b, c]) {
        expect((await decrypt(message, { keyring: kms.keyring(arn) })).plaintext.equals(plaintext)).to.equal(
          true,
        );
      }
    }
  });
});
