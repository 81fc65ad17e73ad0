import { setTimeout as sleep } from 'node:timers/promises';
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
 * Retries transient failures with exponential back-off and full jitter (sleep a random time up to
 * min(maxDelay, base · 2^attempt)), so many clients do not retry in step, the way aws-kms does.
 * Each attempt gets what is left of the deadline as its gax `timeout` and an `AbortSignal` that fires
 * at the deadline; no back-off sleep runs past it, so the whole call is bounded by `totalTimeoutMs`.
 */
export async function withRetry<T>(
  call: (attempt: Attempt) => Promise<T>,
  options: GcpRetryOptions = {},
  label = 'Cloud KMS call',
): Promise<T> {
  const maxAttempts = options.maxAttempts ?? 4;
  const base = options.baseDelayMs ?? 50;
  const max = options.maxDelayMs ?? 2000;
  const total = options.totalTimeoutMs ?? DEFAULT_TOTAL_TIMEOUT_MS;
  const deadline = performance.now() + total;
  for (let attempt = 0; ; attempt++) {
    try {
      return await withDeadline(call, deadline - performance.now(), total, label);
    } catch (error) {
      if (attempt + 1 >= maxAttempts || !isRetryable(error)) throw error;
      const delay = Math.random() * Math.min(max, base * 2 ** attempt);
      if (performance.now() + delay >= deadline) throw error;
      await sleep(delay);
    }
  }
}

async function withDeadline<T>(
  call: (attempt: Attempt) => Promise<T>,
  remainingMs: number,
  totalMs: number,
  label: string,
): Promise<T> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => {
        const error = new GcpKmsError(
          `${label} failed: DEADLINE_EXCEEDED: no answer within ${totalMs} ms, retries included (raise timeoutMs / retry.totalTimeoutMs if the network is slow)`,
          'DEADLINE_EXCEEDED',
        );
        controller.abort(error);
        reject(error);
      },
      Math.max(0, remainingMs),
    );
  });
  try {
    const timeoutMs = Math.max(1, Math.floor(remainingMs));
    return await Promise.race([call({ timeoutMs, signal: controller.signal }), timedOut]);
  } finally {
    clearTimeout(timer);
  }
}
