import { retryWithDeadline } from '@envelope/core';
import { GcpKmsError, grpcStatusOf, isRetryableStatus, KmsIntegrityError } from './errors.js';

export interface GcpRetryOptions {
  /** Total attempts, the first included. Default 4. */
  readonly maxAttempts?: number;
  /** First back-off ceiling in milliseconds; doubles each attempt. Default 50. */
  readonly baseDelayMs?: number;
  /** Largest back-off ceiling in milliseconds. Default 2000. */
  readonly maxDelayMs?: number;
  /**
   * Longest time one Cloud KMS call may take, retries and back-off included; then it fails (and a
   * multi-keyring moves on to its next keyring). Default 10000. The client's own default on
   * UNAVAILABLE is 600 s of retries, which would stall a disaster-recovery fall-over for minutes.
   */
  readonly totalTimeoutMs?: number;
}

export const DEFAULT_TOTAL_TIMEOUT_MS = 10_000;

/** The deadline a call runs under: what the client gets as `timeout` and `signal`. */
export interface Attempt {
  readonly timeoutMs: number;
  readonly signal: AbortSignal;
}

/** Worth another attempt: a transient status from either transport, or a response corrupted in transit. */
export function isRetryable(error: unknown): boolean {
  if (error instanceof KmsIntegrityError || error instanceof GcpKmsError) return error.retryable;
  return isRetryableStatus(grpcStatusOf(error));
}

/**
 * Retries transient failures ({@link isRetryable}) with exponential back-off and full jitter through
 * core's `retryWithDeadline`, the loop aws-kms uses too. Each attempt gets what is left of the deadline
 * as its gax `timeout` and an `AbortSignal` that fires at the deadline, so the whole call is bounded by
 * `totalTimeoutMs`.
 */
export function withRetry<T>(
  call: (attempt: Attempt) => Promise<T>,
  options: GcpRetryOptions = {},
  label = 'Cloud KMS call',
): Promise<T> {
  return retryWithDeadline(
    ({ remainingMs, signal }) => call({ timeoutMs: Math.max(1, Math.floor(remainingMs)), signal }),
    {
      maxAttempts: options.maxAttempts ?? 4,
      baseDelayMs: options.baseDelayMs ?? 50,
      maxDelayMs: options.maxDelayMs ?? 2000,
      totalTimeoutMs: options.totalTimeoutMs ?? DEFAULT_TOTAL_TIMEOUT_MS,
      isRetryable,
      timeoutError: (totalMs) =>
        new GcpKmsError(
          `${label} failed: DEADLINE_EXCEEDED: no answer within ${totalMs} ms, retries included (raise timeoutMs / retry.totalTimeoutMs if the network is slow)`,
          'DEADLINE_EXCEEDED',
        ),
    },
  );
}
