import { setTimeout as sleep } from 'node:timers/promises';

/** How a keyring retries one KMS call: attempts, back-off and one deadline for the whole call. */
export interface DeadlineRetryPolicy {
  /** Total attempts, the first included. */
  readonly maxAttempts: number;
  /** First back-off ceiling in milliseconds; doubles each attempt. */
  readonly baseDelayMs: number;
  /** Largest back-off ceiling in milliseconds. */
  readonly maxDelayMs: number;
  /** Longest time the call may take, retries and back-off included. */
  readonly totalTimeoutMs: number;
  /** Whether a failure is worth another attempt (throttling, transient service errors …). */
  readonly isRetryable: (error: unknown) => boolean;
  /** The error the call fails with when the deadline passes (also the abort reason of the attempt). */
  readonly timeoutError: (totalTimeoutMs: number) => Error;
}

/** What one attempt runs under: what is left of the deadline, and a signal that fires at it. */
export interface DeadlineAttempt {
  readonly remainingMs: number;
  readonly signal: AbortSignal;
}

/**
 * Runs `call`, retrying what the policy calls retryable with exponential back-off and full jitter
 * (sleep a random time up to min(maxDelay, base · 2^attempt)), so many clients do not retry in step.
 * Each attempt gets an `AbortSignal` that fires at the deadline; no back-off sleep runs past it, so
 * the whole call ends by `totalTimeoutMs`. The one retry loop of every cloud keyring package.
 */
export async function retryWithDeadline<T>(
  call: (attempt: DeadlineAttempt) => Promise<T>,
  policy: DeadlineRetryPolicy,
): Promise<T> {
  const deadline = performance.now() + policy.totalTimeoutMs;
  for (let attempt = 0; ; attempt++) {
    try {
      return await withDeadline(call, deadline - performance.now(), policy);
    } catch (error) {
      if (attempt + 1 >= policy.maxAttempts || !policy.isRetryable(error)) throw error;
      const delay = Math.random() * Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt);
      if (performance.now() + delay >= deadline) throw error;
      await sleep(delay);
    }
  }
}

async function withDeadline<T>(
  call: (attempt: DeadlineAttempt) => Promise<T>,
  remainingMs: number,
  policy: DeadlineRetryPolicy,
): Promise<T> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => {
        const error = policy.timeoutError(policy.totalTimeoutMs);
        controller.abort(error);
        reject(error);
      },
      Math.max(0, remainingMs),
    );
  });
  try {
    return await Promise.race([call({ remainingMs, signal: controller.signal }), timedOut]);
  } finally {
    clearTimeout(timer);
  }
}
