import { setTimeout as sleep } from 'node:timers/promises';

export interface RetryOptions {
  /** Total attempts, the first included. Default 4. */
  readonly maxAttempts?: number;
  /** First back-off ceiling in milliseconds; doubles each attempt. Default 50. */
  readonly baseDelayMs?: number;
  /** Largest back-off ceiling in milliseconds. Default 2000. */
  readonly maxDelayMs?: number;
}

const RETRYABLE = new Set([
  'ThrottlingException',
  'ThrottledException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'LimitExceededException',
  'KMSInternalException',
  'DependencyTimeoutException',
]);

export function isRetryable(error: unknown): boolean {
  const e = error as { name?: string; $retryable?: unknown; $metadata?: { httpStatusCode?: number } };
  return RETRYABLE.has(e?.name ?? '') || e?.$metadata?.httpStatusCode === 503;
}

/**
 * Retries throttled or transiently failing calls with exponential back-off and full jitter
 * (sleep a random time up to min(maxDelay, base · 2^attempt)), so many clients do not retry in step.
 */
export async function withRetry<T>(call: () => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const maxAttempts = options.maxAttempts ?? 4;
  const base = options.baseDelayMs ?? 50;
  const max = options.maxDelayMs ?? 2000;
  for (let attempt = 0; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      if (attempt + 1 >= maxAttempts || !isRetryable(error)) throw error;
      await sleep(Math.random() * Math.min(max, base * 2 ** attempt));
    }
  }
}
