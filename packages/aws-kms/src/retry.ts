import { setTimeout as sleep } from 'node:timers/promises';
import type { KMSClient } from '@aws-sdk/client-kms';

export interface RetryOptions {
  /**
   * Total attempts, the first included, when the client does not retry itself (SDK `maxAttempts`
   * of 1, as `cachingClientSupplier` makes them). Default 4.
   */
  readonly maxAttempts?: number;
  /** First back-off ceiling in milliseconds; doubles each attempt. Default 50. */
  readonly baseDelayMs?: number;
  /** Largest back-off ceiling in milliseconds. Default 2000. */
  readonly maxDelayMs?: number;
  /**
   * Longest time one KMS call may take, retries and back-off included; then it fails (and a
   * multi-keyring moves on to its next keyring). Default 10000.
   */
  readonly totalTimeoutMs?: number;
}

export const DEFAULT_TOTAL_TIMEOUT_MS = 10_000;

/** A KMS call (with its retries) did not finish within `totalTimeoutMs`. */
export class KmsCallTimeoutError extends Error {
  override readonly name = 'KmsCallTimeoutError';
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

/**
 * A kept-alive connection the other end had already closed (the request never got an answer): worth
 * one more try on a fresh connection. A refused or unresolvable endpoint is not retried, so a region
 * that is down costs a fall-over, not a back-off.
 */
const CONNECTION_DROPPED = new Set(['ECONNRESET', 'EPIPE']);

/**
 * Throttling and transient service errors: the names above, a 503, the SDK's `$retryable` mark, or a
 * dropped pooled connection.
 */
export function isRetryable(error: unknown): boolean {
  const e = error as {
    name?: string;
    code?: string;
    $retryable?: unknown;
    $metadata?: { httpStatusCode?: number };
  };
  return (
    RETRYABLE.has(e?.name ?? '') ||
    Boolean(e?.$retryable) ||
    e?.$metadata?.httpStatusCode === 503 ||
    CONNECTION_DROPPED.has(e?.code ?? '')
  );
}

/**
 * Retries throttled or transiently failing calls with exponential back-off and full jitter
 * (sleep a random time up to min(maxDelay, base · 2^attempt)), so many clients do not retry in step.
 * Each attempt gets an `AbortSignal` that fires at the deadline (`totalTimeoutMs`); no back-off
 * sleep runs past it, so the whole call is bounded.
 */
export async function withRetry<T>(
  call: (signal: AbortSignal) => Promise<T>,
  options: RetryOptions = {},
): Promise<T> {
  const maxAttempts = options.maxAttempts ?? 4;
  const base = options.baseDelayMs ?? 50;
  const max = options.maxDelayMs ?? 2000;
  const total = options.totalTimeoutMs ?? DEFAULT_TOTAL_TIMEOUT_MS;
  const deadline = performance.now() + total;
  for (let attempt = 0; ; attempt++) {
    try {
      return await withDeadline(call, deadline - performance.now(), total);
    } catch (error) {
      if (attempt + 1 >= maxAttempts || !isRetryable(error)) throw error;
      const delay = Math.random() * Math.min(max, base * 2 ** attempt);
      if (performance.now() + delay >= deadline) throw error;
      await sleep(delay);
    }
  }
}

async function withDeadline<T>(
  call: (signal: AbortSignal) => Promise<T>,
  remainingMs: number,
  totalMs: number,
): Promise<T> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => {
        const error = new KmsCallTimeoutError(`no answer within ${totalMs} ms (retry.totalTimeoutMs)`);
        controller.abort(error);
        reject(error);
      },
      Math.max(0, remainingMs),
    );
  });
  try {
    return await Promise.race([call(controller.signal), timedOut]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Sends one command with exactly one retry layer: a client that retries by itself (SDK
 * `maxAttempts` above 1) is sent each command once, otherwise {@link withRetry} retries. Either
 * way the call ends by `totalTimeoutMs`.
 */
export async function sendWithRetry<T>(
  client: KMSClient,
  send: (signal: AbortSignal) => Promise<T>,
  options: RetryOptions = {},
): Promise<T> {
  const sdkAttempts = await client.config.maxAttempts();
  return withRetry(send, sdkAttempts > 1 ? { ...options, maxAttempts: 1 } : options);
}
