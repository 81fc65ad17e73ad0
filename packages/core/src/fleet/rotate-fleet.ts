import { setTimeout as sleep } from 'node:timers/promises';
import { InvalidArgumentError } from '../errors.js';
import { readerLimits } from '../stream/read-header.js';
import { DEFAULT_COMMITMENT_POLICY } from '../suites/commitment-policy.js';
import { countingKeyring, type KmsCallCount } from './counting-keyring.js';
import type { FleetMessage, FleetMessageResult, FleetOptions, FleetSummary } from './fleet-types.js';
import { probeMasterKeys } from './master-keys.js';
import { type FleetRun, rewriteOne } from './rewrite-one.js';
import { AdaptiveConcurrency, isThrottling } from './throttling.js';

/**
 * Rotates (or repairs) the master keys of every message in `messages`, each with the streaming
 * rewrap: a new message (new id, body re-encrypted), keeping the data key when only master keys are
 * added to an unsigned message and making a fresh one otherwise. A message already wrapped exactly
 * as the target says is skipped; a message that fails is left as it was and reported with its
 * reason; throttling halves the concurrency and pauses (the message is retried), so a throttled run
 * slows down rather than failing. Key-service calls: one unwrap per rewritten message plus one wrap
 * per master key it gains (all target keys under a new data key), and one wrap per target master key
 * once per run to learn their names. With a journal, a run resumes where an earlier one stopped.
 */
export async function rotateFleet(
  messages: AsyncIterable<FleetMessage> | Iterable<FleetMessage>,
  options: FleetOptions,
): Promise<FleetSummary> {
  if (!options?.keyring || !options.targetKeyring) {
    throw new InvalidArgumentError(
      'rotateFleet needs keyring (to unwrap) and targetKeyring (the new master keys).',
    );
  }
  const mode = options.mode ?? 'rotate';
  if (mode !== 'rotate' && mode !== 'repair') {
    throw new InvalidArgumentError(`rotateFleet mode must be 'rotate' or 'repair'; got ${String(mode)}.`);
  }
  const concurrency = options.concurrency ?? 8;
  if (!Number.isSafeInteger(concurrency) || concurrency < 1 || concurrency > 1024) {
    throw new InvalidArgumentError(`concurrency must be an integer from 1 to 1024; got ${concurrency}.`);
  }
  const maxRetries = options.maxThrottleRetries ?? 20;
  const started = performance.now();
  const limiter = new AdaptiveConcurrency({ max: concurrency, ...options.backoff });
  const throttleRetry = async <T>(call: () => Promise<T>): Promise<T> => {
    for (let attempt = 0; ; attempt++) {
      try {
        return await call();
      } catch (error) {
        if (!isThrottling(error) || attempt >= maxRetries) throw error;
        limiter.onThrottle();
        await sleep(limiter.pauseMs);
      }
    }
  };
  const probe = await probeMasterKeys(options.targetKeyring, throttleRetry);
  const count: KmsCallCount = { wraps: 0, unwraps: 0 };
  const target = countingKeyring(options.targetKeyring, count);
  const run: FleetRun = {
    options,
    mode,
    policy: options.commitmentPolicy ?? DEFAULT_COMMITMENT_POLICY,
    limits: readerLimits(options),
    target: probe.target,
    keyring: countingKeyring(options.keyring, count).keyring,
    targetKeyring: target.keyring,
    targetLeaves: target.leaves,
  };

  const results: FleetMessageResult[] = [];
  const seen = new Set<string>();
  const retries: { message: FleetMessage; throttled: number }[] = [];
  const active = new Set<Promise<void>>();
  const attempt = async (message: FleetMessage, throttled: number) => {
    let result: FleetMessageResult;
    const state: { messageId?: string } = {};
    try {
      result = { ...(await rewriteOne(message, run, state)), throttled };
      limiter.onSuccess();
    } catch (error) {
      if (isThrottling(error) && throttled < maxRetries) {
        limiter.onThrottle();
        retries.push({ message, throttled: throttled + 1 });
        return;
      }
      const reason = oneLine(error);
      await options.journal
        ?.record({
          id: message.id,
          state: 'failed',
          reason,
          ...(state.messageId ? { messageId: state.messageId } : {}),
        })
        .catch(() => {});
      result = { id: message.id, outcome: 'failed', bytesIn: 0, bytesOut: 0, throttled, reason };
    }
    results.push(result);
    options.onMessage?.(result);
  };

  const source =
    Symbol.asyncIterator in messages ? messages[Symbol.asyncIterator]() : messages[Symbol.iterator]();
  let exhausted = false;
  let interrupted = false;
  try {
    for (;;) {
      if (options.signal?.aborted) {
        interrupted = true;
        break;
      }
      if (active.size >= limiter.limit) {
        await Promise.race(active);
        continue;
      }
      if (limiter.pauseMs > 0) {
        await sleep(limiter.pauseMs);
        continue;
      }
      let next = retries.shift();
      if (!next && !exhausted) {
        const item = await source.next();
        if (item.done) exhausted = true;
        else if (seen.has(item.value.id))
          continue; // listed twice: processed once
        else {
          seen.add(item.value.id);
          next = { message: item.value, throttled: 0 };
        }
      }
      if (!next) {
        if (active.size === 0) break;
        await Promise.race(active);
        continue;
      }
      const task: Promise<void> = attempt(next.message, next.throttled).finally(() => active.delete(task));
      active.add(task);
    }
  } finally {
    await Promise.all(active);
  }
  if (interrupted) await source.return?.();

  const tally = (outcome: FleetMessageResult['outcome']) =>
    results.filter((r) => r.outcome === outcome).length;
  return {
    mode,
    dryRun: options.dryRun ?? false,
    messages: results.length,
    rotated: tally('rotated'),
    skipped: tally('skipped'),
    resumed: tally('resumed'),
    planned: tally('planned'),
    failed: tally('failed'),
    failures: results
      .filter((r) => r.outcome === 'failed')
      .map((r) => ({ id: r.id, reason: r.reason ?? '' })),
    bytesIn: results.reduce((n, r) => n + r.bytesIn, 0),
    bytesOut: results.reduce((n, r) => n + r.bytesOut, 0),
    kmsCalls: { ...count, probeWraps: probe.wraps },
    throttles: limiter.throttles,
    finalConcurrency: limiter.limit,
    seconds: (performance.now() - started) / 1000,
    interrupted,
    results,
  };
}

function oneLine(error: unknown): string {
  return String((error as Error)?.message ?? error).replace(/\s*\n\s*/g, '; ');
}
