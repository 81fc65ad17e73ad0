import type { KMSClient } from '@aws-sdk/client-kms';
import { retryWithDeadline } from '@envelope/core';

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
 * Retries throttled or transiently failing calls ({@link isRetryable}) with exponential back-off and
 * full jitter through core's `retryWithDeadline`; each attempt gets an `AbortSignal` that fires at the
 * deadline (`totalTimeoutMs`), so the whole call is bounded.
 */
export function withRetry<T>(
  call: (signal: AbortSignal) => Promise<T>,
  options: RetryOptions = {},
): Promise<T> {
  return retryWithDeadline(({ signal }) => call(signal), {
    maxAttempts: options.maxAttempts ?? 4,
    baseDelayMs: options.baseDelayMs ?? 50,
    maxDelayMs: options.maxDelayMs ?? 2000,
    totalTimeoutMs: options.totalTimeoutMs ?? DEFAULT_TOTAL_TIMEOUT_MS,
    isRetryable,
    timeoutError: (totalMs) =>
      new KmsCallTimeoutError(`no answer within ${totalMs} ms (retry.totalTimeoutMs)`),
  });
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
