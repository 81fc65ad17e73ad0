import { setTimeout as sleep } from 'node:timers/promises';
import { type KmsExceptionName, kmsError, RegionUnavailableError } from '../errors.js';

/**
 * Faults injected on demand, to exercise retries and disaster-recovery fall-over.
 *
 * - throttle: the call fails with `ThrottlingException` (400, retryable by the SDK), either with a
 *   probability or on every Nth matching call.
 * - fail: the same triggers, answering any AWS exception (e.g. `KMSInternalException` 500,
 *   `DependencyTimeoutException`) to test error handling.
 * - latency: the call is delayed by `ms` before it runs.
 * - region down: every call to that region throws `RegionUnavailableError`; transports turn it into
 *   a connection-level failure (ECONNREFUSED), as a real outage looks to a client. Nothing is audited
 *   because the request never reached KMS.
 */
export interface FaultMatch {
  /** Operation name (`Decrypt`) or `*` / undefined for all. */
  operation?: string;
  /** Region, or undefined for all. */
  region?: string;
}

export interface ThrottleFault extends FaultMatch {
  probability?: number;
  everyNth?: number;
}

export interface FailureFault extends ThrottleFault {
  exception: KmsExceptionName;
  message?: string;
}

export interface LatencyFault extends FaultMatch {
  ms: number;
}

interface Rule<T> {
  id: number;
  fault: T;
  calls: number;
}

export type FaultHandle = { remove(): void };

export class FaultInjector {
  readonly #failures: Rule<FailureFault>[] = [];
  readonly #latencies: Rule<LatencyFault>[] = [];
  readonly #downRegions = new Set<string>();
  readonly #random: () => number;
  #nextId = 1;

  constructor(random: () => number = Math.random) {
    this.#random = random;
  }

  throttle(fault: ThrottleFault = {}): FaultHandle {
    return this.fail({ ...fault, exception: 'ThrottlingException', message: 'Rate exceeded' });
  }

  /** Without `probability` or `everyNth`, every matching call fails. */
  fail(fault: FailureFault): FaultHandle {
    if (fault.probability === undefined && fault.everyNth === undefined) fault = { ...fault, probability: 1 };
    return this.#add(this.#failures, fault);
  }

  latency(fault: LatencyFault): FaultHandle {
    return this.#add(this.#latencies, fault);
  }

  regionDown(region: string): FaultHandle {
    this.#downRegions.add(region);
    return { remove: () => this.#downRegions.delete(region) };
  }

  regionUp(region: string): void {
    this.#downRegions.delete(region);
  }

  isRegionDown(region: string): boolean {
    return this.#downRegions.has(region);
  }

  clear(): void {
    this.#failures.length = 0;
    this.#latencies.length = 0;
    this.#downRegions.clear();
  }

  /** Connection-level faults, checked before anything else (nothing audited). */
  checkConnection(region: string): void {
    if (this.#downRegions.has(region)) throw new RegionUnavailableError(region);
  }

  /** Latency, then injected failures for one call; throws the fault's exception when one fires. */
  async beforeCall(operation: string, region: string): Promise<void> {
    const delay = this.#latencies
      .filter((r) => matches(r.fault, operation, region))
      .reduce((sum, r) => sum + r.fault.ms, 0);
    if (delay > 0) await sleep(delay);
    for (const rule of this.#failures) {
      if (!matches(rule.fault, operation, region)) continue;
      rule.calls += 1;
      const { everyNth, probability } = rule.fault;
      const fire = everyNth !== undefined ? rule.calls % everyNth === 0 : this.#random() < (probability ?? 0);
      if (fire)
        throw kmsError(rule.fault.exception, rule.fault.message ?? `Injected ${rule.fault.exception}`);
    }
  }

  #add<T>(rules: Rule<T>[], fault: T): FaultHandle {
    const rule = { id: this.#nextId++, fault, calls: 0 };
    rules.push(rule);
    return {
      remove: () => {
        const i = rules.indexOf(rule);
        if (i >= 0) rules.splice(i, 1);
      },
    };
  }
}

const matches = (f: FaultMatch, operation: string, region: string): boolean =>
  (f.operation === undefined || f.operation === '*' || f.operation === operation) &&
  (f.region === undefined || f.region === region);
