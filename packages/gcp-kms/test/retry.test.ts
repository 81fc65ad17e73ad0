import { GcpKmsError, GcpKmsKeyring } from '@envelope/gcp-kms';
import { expect } from 'chai';
import { Status } from 'google-gax';
import { FakeCloudKms, grpcError, KEY_A } from './support/fake-cloud-kms.js';
import { wrapWith } from './support/materials.js';

async function failure(work: Promise<unknown>): Promise<GcpKmsError> {
  try {
    await work;
  } catch (error) {
    expect(error).to.be.instanceOf(GcpKmsError);
    return error as GcpKmsError;
  }
  expect.fail('expected a rejection');
}

describe('Cloud KMS retries and deadline, set by the keyring', () => {
  it('retries UNAVAILABLE and RESOURCE_EXHAUSTED with back-off, then succeeds', async () => {
    const kms = new FakeCloudKms();
    kms.failures = [grpcError(Status.UNAVAILABLE, 'down'), grpcError(Status.RESOURCE_EXHAUSTED, 'quota')];
    const keyring = new GcpKmsKeyring({ generatorKeyName: KEY_A, client: kms, retry: { baseDelayMs: 1 } });
    const { edks } = await wrapWith(keyring);
    expect(edks).to.have.length(1);
    expect(kms.calls).to.have.length(3);
  });

  it('does not retry NOT_FOUND, PERMISSION_DENIED or INVALID_ARGUMENT', async () => {
    for (const code of [Status.NOT_FOUND, Status.PERMISSION_DENIED, Status.INVALID_ARGUMENT]) {
      const kms = new FakeCloudKms();
      kms.failures = [grpcError(code, 'no')];
      await failure(
        wrapWith(new GcpKmsKeyring({ generatorKeyName: KEY_A, client: kms, retry: { baseDelayMs: 1 } })),
      );
      expect(kms.calls, `status ${code}`).to.have.length(1);
    }
  });

  it('stops after maxAttempts', async () => {
    const kms = new FakeCloudKms();
    kms.failures = Array.from({ length: 10 }, () => grpcError(Status.UNAVAILABLE, 'down'));
    const error = await failure(
      wrapWith(
        new GcpKmsKeyring({
          generatorKeyName: KEY_A,
          client: kms,
          retry: { maxAttempts: 3, baseDelayMs: 1 },
        }),
      ),
    );
    expect(error.status).to.equal('UNAVAILABLE');
    expect(kms.calls).to.have.length(3);
  });

  it('turns the client retry off and hands it the remaining deadline on every call', async () => {
    const kms = new FakeCloudKms();
    kms.failures = [grpcError(Status.UNAVAILABLE, 'down')];
    await wrapWith(
      new GcpKmsKeyring({
        generatorKeyName: KEY_A,
        client: kms,
        retry: { totalTimeoutMs: 3000, baseDelayMs: 1 },
      }),
    );
    expect(kms.calls).to.have.length(2);
    for (const call of kms.calls) {
      // retry: null is what disables gax's own retry (its default on UNAVAILABLE is a 600 s budget).
      expect(call.options?.retry).to.equal(null);
      expect(call.options?.timeout).to.be.within(1, 3000);
      expect(call.options?.signal).to.be.instanceOf(AbortSignal);
    }
    expect(kms.calls[1]!.options!.timeout).to.be.at.most(kms.calls[0]!.options!.timeout);
  });

  it('ends a call that hangs at totalTimeoutMs, aborting it, with DEADLINE_EXCEEDED', async () => {
    const kms = new FakeCloudKms();
    kms.latencyMs = 60_000;
    const started = performance.now();
    const error = await failure(
      wrapWith(new GcpKmsKeyring({ generatorKeyName: KEY_A, client: kms, retry: { totalTimeoutMs: 200 } })),
    );
    const elapsed = performance.now() - started;
    expect(error.status).to.equal('DEADLINE_EXCEEDED');
    expect(error.message).to.include(`Cloud KMS Encrypt with ${KEY_A}`).and.include('200 ms');
    expect(elapsed).to.be.within(150, 2000);
    expect(kms.calls[0]!.options!.signal.aborted).to.equal(true);
  });

  it('bounds retries and back-off by the deadline too', async () => {
    const kms = new FakeCloudKms();
    kms.failures = Array.from({ length: 100 }, () => grpcError(Status.UNAVAILABLE, 'down'));
    const started = performance.now();
    await failure(
      wrapWith(
        new GcpKmsKeyring({
          generatorKeyName: KEY_A,
          client: kms,
          retry: { maxAttempts: 100, baseDelayMs: 100, maxDelayMs: 100, totalTimeoutMs: 400 },
        }),
      ),
    );
    expect(performance.now() - started).to.be.below(1500);
  });
});
