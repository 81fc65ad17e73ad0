import { randomBytes } from 'node:crypto';
import { CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { AwsKmsKeyring, cachingClientSupplier } from '@envelope/aws-kms';
import { encrypt, KeyringError } from '@envelope/core';
import { KmsEngine, MemoryResourceStore } from '@envelope/kms-emulator';
import { createKmsRequestHandler } from '@envelope/kms-protocols';
import { expect } from 'chai';

const CREDENTIALS = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'not-a-secret' };

async function throttledGenerator() {
  const engine = new KmsEngine({ store: new MemoryResourceStore(), rootKey: randomBytes(32) });
  const requestHandler = createKmsRequestHandler(engine);
  const admin = new KMSClient({ region: 'us-east-1', credentials: CREDENTIALS, requestHandler });
  const { KeyMetadata } = await admin.send(new CreateKeyCommand({}));
  engine.faults.throttle({ operation: 'GenerateDataKey' });
  const attempts = () => engine.auditLog({}).filter((e) => e.eventName === 'GenerateDataKey').length;
  return { requestHandler, keyArn: KeyMetadata!.Arn!, attempts };
}

describe('AWS KMS keyring retries: one layer', () => {
  it('sends each call once when the client retries by itself (SDK maxAttempts 3): 3 attempts, not 12', async function () {
    this.timeout(20_000);
    const kms = await throttledGenerator();
    const client = new KMSClient({
      region: 'us-east-1',
      credentials: CREDENTIALS,
      requestHandler: kms.requestHandler,
    });
    const keyring = new AwsKmsKeyring({ generatorKeyId: kms.keyArn, clientSupplier: () => client });
    const error = await encrypt('x', { keyring }).catch((e: Error) => e);
    expect(error).to.be.instanceOf(KeyringError);
    expect((error as Error).message).to.match(/ThrottlingException/);
    expect(kms.attempts()).to.equal(3);
  });

  it('retries itself with the clients of cachingClientSupplier (SDK retries off): maxAttempts in all', async () => {
    const kms = await throttledGenerator();
    const keyring = new AwsKmsKeyring({
      generatorKeyId: kms.keyArn,
      clientSupplier: cachingClientSupplier({ credentials: CREDENTIALS, requestHandler: kms.requestHandler }),
      retry: { maxAttempts: 4, baseDelayMs: 1 },
    });
    await encrypt('x', { keyring }).catch(() => {});
    expect(kms.attempts()).to.equal(4);
  });

  it('bounds the whole call by totalTimeoutMs', async () => {
    const engine = new KmsEngine({ store: new MemoryResourceStore(), rootKey: randomBytes(32) });
    const requestHandler = createKmsRequestHandler(engine);
    const admin = new KMSClient({ region: 'us-east-1', credentials: CREDENTIALS, requestHandler });
    const { KeyMetadata } = await admin.send(new CreateKeyCommand({}));
    engine.faults.latency({ ms: 5000, operation: 'GenerateDataKey' });
    const keyring = new AwsKmsKeyring({
      generatorKeyId: KeyMetadata!.Arn!,
      clientSupplier: cachingClientSupplier({ credentials: CREDENTIALS, requestHandler }),
      retry: { totalTimeoutMs: 200 },
    });
    const started = performance.now();
    const error = await encrypt('x', { keyring }).catch((e: Error) => e);
    expect(performance.now() - started).to.be.lessThan(2000);
    expect((error as Error).message).to.match(/KmsCallTimeoutError: no answer within 200 ms/);
  });
});
