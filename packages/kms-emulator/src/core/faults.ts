import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Faults injected on demand, to exercise retries and disaster-recovery fall-over, for every cloud:
 *
 * - location down: every call to that service and location throws `LocationUnavailableError`, which
 *   transports turn into a connection-level failure (ECONNREFUSED / gRPC UNAVAILABLE), as a real outage
 *   looks to a client. Nothing is audited: the request never reached the service.
 * - throttle: the call fails with the cloud's throttling error (AWS `ThrottlingException`, GCP
 *   `RESOURCE_EXHAUSTED`, Azure 429), with a probability or on every Nth matching call.
 * - fail: the same triggers, answering the named error of that cloud (`KMSInternalException`,
 *   `UNAVAILABLE`, `ServiceUnavailable` …); the cloud module checks the name is one of its own.
 * - latency: the call is delayed by `ms` before it runs.
 */
export interface FaultMatch {
  /** `aws`, `gcp`, `azure`; undefined for every service. */
  service?: string;
  /** Region, location or vault; undefined for all. */
  location?: string;
  /** Operation name, or `*` / undefined for all. */
  operation?: string;
}

export interface ThrottleFault extends FaultMatch {
  probability?: number;
  everyNth?: number;
}

export interface FailureFault extends ThrottleFault {
  /** The cloud's own error name. */
  error: string;
  message?: string;
}

export interface LatencyFault extends FaultMatch {
  ms: number;
}

/** A fault in force: `id` is the one `list()` shows and `remove(id)` takes. */
export type FaultHandle = { readonly id: number; remove(): void };

/** The outcome of a throttle or failure fault: the cloud module turns it into its own error. */
export class InjectedFault extends Error {
  constructor(
    readonly kind: 'throttle' | 'fail',
    readonly error: string | undefined,
    message: string,
  ) {
    super(message);
    this.name = 'InjectedFault';
  }
}

/** The service location the call was sent to is marked down. */
export class LocationUnavailableError extends Error {
  constructor(
    readonly service: string,
    readonly location: string,
  ) {
    super(`connect ECONNREFUSED: the emulated ${service} endpoint for ${location} is unavailable`);
    this.name = 'LocationUnavailableError';
  }
}

export interface ActiveFault {
  id: number;
  type: 'throttle' | 'fail' | 'latency' | 'down';
  fault: FaultMatch & Partial<ThrottleFault & FailureFault & LatencyFault>;
  /** Calls it matched so far. */
  calls: number;
}

export class FaultInjector {
  readonly #rules: ActiveFault[] = [];
  readonly #random: () => number;
  #nextId = 1;

  constructor(options: { random?: () => number } = {}) {
    this.#random = options.random ?? Math.random;
  }

  /** Without `probability` or `everyNth`, every matching call is throttled. */
  throttle(fault: ThrottleFault): FaultHandle {
    return this.#add('throttle', everyCallByDefault(fault));
  }

  /** Without `probability` or `everyNth`, every matching call fails. */
  fail(fault: FailureFault): FaultHandle {
    return this.#add('fail', everyCallByDefault(fault));
  }

  latency(fault: LatencyFault): FaultHandle {
    return this.#add('latency', fault);
  }

  /** Takes a whole service location down until the handle is removed (or `up` is called). */
  down(service: string, location: string): FaultHandle {
    return this.#add('down', { service, location });
  }

  up(service: string, location: string): void {
    for (const rule of this.#rules.filter(
      (r) => r.type === 'down' && r.fault.service === service && r.fault.location === location,
    )) {
      this.#remove(rule);
    }
  }

  isDown(service: string, location: string): boolean {
    return this.#rules.some(
      (r) => r.type === 'down' && r.fault.service === service && r.fault.location === location,
    );
  }

  /** The faults in force, oldest first (copies). */
  list(): ActiveFault[] {
    return this.#rules.map((r) => structuredClone(r));
  }

  /** Removes one fault by id; false when there was none. */
  remove(id: number): boolean {
    const rule = this.#rules.find((r) => r.id === id);
    if (rule) this.#remove(rule);
    return rule !== undefined;
  }

  clear(): void {
    this.#rules.length = 0;
  }

  /** Connection-level faults, checked before anything else (nothing audited). */
  checkConnection(service: string, location: string): void {
    if (this.isDown(service, location)) throw new LocationUnavailableError(service, location);
  }

  /** Latency, then throttling and failures for one call; throws `InjectedFault` when one fires. */
  beforeCall(service: string, location: string, operation: string): Promise<void> | undefined {
    // The common case, no fault active: nothing to wait for (callers skip the await).
    if (this.#rules.length === 0) return undefined;
    return this.#beforeCall(service, location, operation);
  }

  async #beforeCall(service: string, location: string, operation: string): Promise<void> {
    const hits = this.#rules.filter(
      (r) => r.type !== 'down' && matches(r.fault, service, location, operation),
    );
    const delay = hits.reduce((sum, r) => sum + (r.type === 'latency' ? (r.fault.ms ?? 0) : 0), 0);
    if (delay > 0) await sleep(delay);
    for (const rule of hits) {
      if (rule.type === 'latency') continue;
      rule.calls += 1;
      const { everyNth, probability } = rule.fault;
      const fire = everyNth !== undefined ? rule.calls % everyNth === 0 : this.#random() < (probability ?? 0);
      if (!fire) continue;
      const name = rule.type === 'fail' ? rule.fault.error : undefined;
      throw new InjectedFault(
        rule.type as 'throttle' | 'fail',
        name,
        rule.fault.message ?? (name ? `Injected ${name}` : 'Injected throttling'),
      );
    }
  }

  #add(type: ActiveFault['type'], fault: ActiveFault['fault']): FaultHandle {
    const rule: ActiveFault = { id: this.#nextId++, type, fault: { ...fault }, calls: 0 };
    this.#rules.push(rule);
    return { id: rule.id, remove: () => this.#remove(rule) };
  }

  #remove(rule: ActiveFault): void {
    const i = this.#rules.indexOf(rule);
    if (i >= 0) this.#rules.splice(i, 1);
  }
}

function everyCallByDefault<T extends ThrottleFault>(fault: T): T {
  return fault.probability === undefined && fault.everyNth === undefined
    ? { ...fault, probability: 1 }
    : fault;
}

const matches = (f: FaultMatch, service: string, location: string, operation: string): boolean =>
  (f.service === undefined || f.service === service) &&
  (f.location === undefined || f.location === location) &&
  (f.operation === undefined || f.operation === '*' || f.operation === operation);
