import { withRetry } from '@envelope/aws-kms';
import { expect } from 'chai';

function throttled(): Error {
  return Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
}

describe('retry with back-off and jitter', () => {
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
