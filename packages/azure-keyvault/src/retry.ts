import { setTimeout as sleep } from 'node:timers/promises';
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
 * Runs `call` with exponential back-off and full jitter on retryable errors. Each attempt gets an
 * `AbortSignal` that fires at the deadline; no back-off runs past it, so the whole call is bounded
 * by `totalTimeoutMs`. The SDK's own retry policy is switched off by the client factory, so there
 * is exactly one retry layer.
 */
export async function withAzureRetry<T>(
  call: (signal: AbortSignal) => Promise<T>,
  options: AzureRetryOptions = {},
): Promise<T> {
  const maxAttempts = options.maxAttempts ?? 3;
  const base = options.baseDelayMs ?? 100;
  const max = options.maxDelayMs ?? 2000;
  const total = options.totalTimeoutMs ?? AZURE_DEFAULT_TOTAL_TIMEOUT_MS;
  const deadline = performance.now() + total;
  for (let attempt = 0; ; attempt++) {
    try {
      return await withDeadline(call, deadline - performance.now(), total);
    } catch (error) {
      if (attempt + 1 >= maxAttempts || !isRetryableAzureError(error)) throw error;
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
        const error = new AzureCallTimeoutError(`no answer within ${totalMs} ms (retry.totalTimeoutMs)`);
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
