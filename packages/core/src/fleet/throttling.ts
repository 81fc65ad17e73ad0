import { NoDataKeyError } from '../errors.js';

/** Error names and codes clouds use for "slow down": AWS, Azure (429), Google (RESOURCE_EXHAUSTED). */
const THROTTLING =
  /^(ThrottlingException|ThrottledException|TooManyRequests(Exception)?|RequestLimitExceeded|Throttled|RESOURCE_EXHAUSTED|ResourceExhausted)$/;

/**
 * True when `error`, or anything it wraps (`cause`, a multi-keyring's per-keyring failures, an
 * AggregateError's errors), says the key service is throttling: a name or code above, HTTP 429, or
 * gRPC status 8. Such a message is retried later, never counted as failed for that reason alone.
 */
export function isThrottling(error: unknown): boolean {
  return throttling(error, new Set());
}

function throttling(error: unknown, seen: Set<unknown>): boolean {
  if (!error || typeof error !== 'object' || seen.has(error)) return false;
  seen.add(error);
  const e = error as {
    name?: unknown;
    code?: unknown;
    status?: unknown;
    statusCode?: unknown;
    $metadata?: { httpStatusCode?: number };
    cause?: unknown;
    errors?: unknown;
  };
  if (THROTTLING.test(String(e.name)) || THROTTLING.test(String(e.code))) return true;
  if (e.status === 429 || e.statusCode === 429 || e.$metadata?.httpStatusCode === 429) return true;
  if (e.code === 8 && 'details' in e) return true; // gRPC RESOURCE_EXHAUSTED
  if (throttling(e.cause, seen)) return true;
  if (error instanceof NoDataKeyError && error.failures.some((f) => throttling(f.error, seen))) return true;
  return Array.isArray(e.errors) && e.errors.some((x) => throttling(x, seen));
}

export interface AdaptiveConcurrencyOptions {
  /** Most messages in flight. */
  readonly max: number;
  /** First pause after a throttle, in ms; doubles with each throttle in a row. Default 100. */
  readonly baseDelayMs?: number;
  /** Longest pause, in ms. Default 5000. */
  readonly maxDelayMs?: number;
}

/**
 * Additive-increase / multiplicative-decrease concurrency, as TCP and the AWS SDK's adaptive retry
 * mode do: a throttle halves the messages allowed in flight and pauses new starts for a back-off
 * with equal jitter (doubling while throttles keep coming); each `limit` successes in a row allow
 * one more, up to `max`. So a throttled run slows to what the key service grants and recovers.
 */
export class AdaptiveConcurrency {
  readonly max: number;
  #limit: number;
  #streak = 0;
  #throttlesInARow = 0;
  #pausedUntil = 0;
  #throttles = 0;
  readonly #base: number;
  readonly #maxDelay: number;

  constructor(options: AdaptiveConcurrencyOptions) {
    this.max = options.max;
    this.#limit = options.max;
    this.#base = options.baseDelayMs ?? 100;
    this.#maxDelay = options.maxDelayMs ?? 5000;
  }

  get limit(): number {
    return this.#limit;
  }

  /** Throttles seen so far. */
  get throttles(): number {
    return this.#throttles;
  }

  /** Milliseconds to wait before starting anything new (0 when not paused). */
  get pauseMs(): number {
    return Math.max(0, this.#pausedUntil - performance.now());
  }

  onSuccess(): void {
    this.#throttlesInARow = 0;
    if (++this.#streak >= this.#limit && this.#limit < this.max) {
      this.#limit++;
      this.#streak = 0;
    }
  }

  onThrottle(): void {
    this.#throttles++;
    this.#streak = 0;
    this.#limit = Math.max(1, Math.floor(this.#limit / 2));
    const ceiling = Math.min(this.#maxDelay, this.#base * 2 ** this.#throttlesInARow++);
    this.#pausedUntil = Math.max(
      this.#pausedUntil,
      performance.now() + ceiling / 2 + (Math.random() * ceiling) / 2,
    );
  }
}
