import { expect } from 'chai';
import { retryWithDeadline } from '../src/index.js';

class Transient extends Error {}
class Late extends Error {}

const policy = (over: Partial<Parameters<typeof retryWithDeadline>[1]> = {}) => ({
  maxAttempts: 4,
  baseDelayMs: 1,
  maxDelayMs: 5,
  totalTimeoutMs: 2000,
  isRetryable: (e: unknown) => e instanceof Transient,
  timeoutError: (ms: number) => new Late(`no answer within ${ms} ms`),
  ...over,
});

describe('retryWithDeadline (the retry loop of every cloud keyring)', () => {
  it('retries retryable failures until one attempt succeeds', async () => {
    let calls = 0;
    const result = await retryWithDeadline(async () => {
      if (++calls < 3) throw new Transient('busy');
      return 'ok';
    }, policy());
    expect(result).to.equal('ok');
    expect(calls).to.equal(3);
  });

  it('stops at maxAttempts, and throws a non-retryable failure at once', async () => {
    let calls = 0;
    const busy = await retryWithDeadline(async () => {
      calls++;
      throw new Transient('busy');
    }, policy()).catch((e: Error) => e);
    expect(busy).to.be.instanceOf(Transient);
    expect(calls).to.equal(4);
    calls = 0;
    const fatal = await retryWithDeadline(async () => {
      calls++;
      throw new Error('denied');
    }, policy()).catch((e: Error) => e);
    expect(fatal.message).to.equal('denied');
    expect(calls).to.equal(1);
  });

  it('ends the call at the deadline with the policy error, aborting the attempt with it', async () => {
    let reason: unknown;
    const error = await retryWithDeadline(
      ({ signal, remainingMs }) => {
        expect(remainingMs).to.be.at.most(50);
        signal.addEventListener('abort', () => {
          reason = signal.reason;
        });
        return new Promise<never>(() => {});
      },
      policy({ totalTimeoutMs: 50 }),
    ).catch((e: Error) => e);
    expect(error).to.be.instanceOf(Late);
    expect(error.message).to.equal('no answer within 50 ms');
    expect(reason).to.equal(error);
  });
});
