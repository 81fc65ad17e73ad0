import { retryWithDeadline } from '@envelope/core';
import { azureErrorCode } from './errors.js';

export interface AzureRetryOptions {
  /** Total attempts, the first included. Default 3. */
  readonly maxAttempts?: number;
  /** First back-off ceiling in milliseconds; doubles each attempt. Default 100. */
  readonly baseDelayMs?: number;
  /** Largest back-off ceiling in milliseconds. Default 2000. */
  readonly maxDelayMs?: number;
  /**
   * Longest time one Key Vault call may take, retries and back-off included; then it fails (and a
   * multi-keyring moves on). Default 10000.
   */
  readonly totalTimeoutMs?: number;
}

export const AZURE_DEFAULT_TOTAL_TIMEOUT_MS = 10_000;

/** A Key Vault call (with its retries) did not finish within `totalTimeoutMs`. */
export class AzureCallTimeoutError extends Error {
  override readonly name = 'AzureCallTimeoutError';
  readonly code = 'AZURE_CALL_TIMEOUT';
}

const RETRYABLE_STATUS = new Set([408, 429, 500, 502, 503, 504]);
/** A pooled connection the vault had closed: worth one more try. A refused connection is not. */
const CONNECTION_DROPPED = new Set(['ECONNRESET', 'EPIPE']);

/**
 * Throttling (429), server errors (5xx but 501), a request timeout, or a dropped connection. A vault
 * that refuses connections or does not resolve is not retried: that is an outage, and a
 * multi-keyring should fall over at once.
 */
export function isRetryableAzureError(error: unknown): boolean {
  const e = error as { statusCode?: unknown; code?: unknown };
  if (typeof e?.statusCode === 'number') return RETRYABLE_STATUS.has(e.statusCode);
  const code = azureErrorCode(error);
  return code === 'Throttled' || CONNECTION_DROPPED.has(code ?? '');
}

/**
 * Runs `call` with exponential back-off and full jitter on retryable errors, through core's
 * `retryWithDeadline` (the loop every cloud keyring uses). Each attempt gets an `AbortSignal` that
 * fires at the deadline, so the whole call is bounded by `totalTimeoutMs`. The SDK's own retry policy
 * is switched off by the client factory, so there is exactly one retry layer.
 */
export function withAzureRetry<T>(
  call: (signal: AbortSignal) => Promise<T>,
  options: AzureRetryOptions = {},
): Promise<T> {
  return retryWithDeadline(({ signal }) => call(signal), {
    maxAttempts: options.maxAttempts ?? 3,
    baseDelayMs: options.baseDelayMs ?? 100,
    maxDelayMs: options.maxDelayMs ?? 2000,
    totalTimeoutMs: options.totalTimeoutMs ?? AZURE_DEFAULT_TOTAL_TIMEOUT_MS,
    isRetryable: isRetryableAzureError,
    timeoutError: (totalMs) =>
      new AzureCallTimeoutError(`no answer within ${totalMs} ms (retry.totalTimeoutMs)`),
  });
}
