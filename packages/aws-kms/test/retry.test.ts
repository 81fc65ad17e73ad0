import { isRetryable, KmsCallTimeoutError, withRetry } from '@envelope/aws-kms';
import { expect } from 'chai';

function throttled(): Error {
  return Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
}

describe('retry with back-off and jitter', () => {
  it('retries a dropped pooled connection, but not a refused or unknown endpoint', () => {
    const network = (code: string) =>
      Object.assign(new Error('socket hang up'), { name: 'TimeoutError', code });
    expect(isRetryable(network('ECONNRESET'))).to.equal(true);
    expect(isRetryable(network('EPIPE'))).to.equal(true);
    expect(isRetryable(network('ECONNREFUSED'))).to.equal(false);
    expect(isRetryable(network('ENOTFOUND'))).to.equal(false);
  });

  it('retries throttling until a call succeeds', async () => {
    let calls = 0;
    const result = await withRetry(
      async () => {
        calls++;
        if (calls < 3) throw throttled();
        return 'ok';
      },
      { baseDelayMs: 1 },
    );
    expect(result).to.equal('ok');
    expect(calls).to.equal(3);
  });

  it('gives up after maxAttempts and rethrows the last error', async () => {
    let calls = 0;
    const error = await withRetry(
      async () => {
        calls++;
        throw throttled();
      },
      { maxAttempts: 3, baseDelayMs: 1 },
    ).catch((e: Error) => e);
    expect(calls).to.equal(3);
    expect((error as Error).name).to.equal('ThrottlingException');
  });

  it('does not retry errors that are not transient', async () => {
    let calls = 0;
    const error = await withRetry(async () => {
      calls++;
      throw Object.assign(new Error('no'), { name: 'AccessDeniedException' });
    }).catch((e: Error) => e);
    expect(calls).to.equal(1);
    expect((error as Error).name).to.equal('AccessDeniedException');
  });
});

describe('retry: one layer, $retryable, a deadline', () => {
  it('retries an error the SDK marks $retryable even when it does not know its name', async () => {
    let calls = 0;
    const result = await withRetry(
      async () => {
        calls++;
        if (calls < 2) throw Object.assign(new Error('blip'), { name: 'SomeTransientError', $retryable: {} });
        return 'ok';
      },
      { baseDelayMs: 1 },
    );
    expect(result).to.equal('ok');
    expect(calls).to.equal(2);
  });

  it('ends a call that does not answer at totalTimeoutMs and aborts it', async () => {
    let signal: AbortSignal | undefined;
    const started = performance.now();
    const error = await withRetry(
      (s) => {
        signal = s;
        return new Promise(() => {}); // a region that never answers
      },
      { totalTimeoutMs: 100 },
    ).catch((e: Error) => e);
    expect(error).to.be.instanceOf(KmsCallTimeoutError);
    expect((error as Error).message).to.match(/no answer within 100 ms/);
    expect(signal?.aborted).to.equal(true);
    expect(performance.now() - started).to.be.lessThan(1000);
  });

  it('does not start a back-off sleep that would end past the deadline', async () => {
    let calls = 0;
    const started = performance.now();
    const error = await withRetry(
      async () => {
        calls++;
        throw throttled();
      },
      { maxAttempts: 10, baseDelayMs: 1_000_000, maxDelayMs: 1_000_000, totalTimeoutMs: 200 },
    ).catch((e: Error) => e);
    expect((error as Error).name).to.equal('ThrottlingException');
    expect(performance.now() - started).to.be.lessThan(1000);
    expect(calls).to.be.lessThan(3);
  });
});
