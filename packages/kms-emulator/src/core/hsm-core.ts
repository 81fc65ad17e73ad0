import { randomUUID } from 'node:crypto';
import type { AuditPage, AuditPruning, AuditQuery, AuditRecord } from './audit-record.js';
import { FaultInjector, LocationUnavailableError } from './faults.js';
import { MaterialVault } from './material-vault.js';
import type { ResourceStore } from './resource-store.js';

export interface AuditRetentionOptions {
  /** Keep at most this many of the newest records. */
  maxEvents?: number;
  /** Drop records older than this many days. */
  maxAgeDays?: number;
}

export interface HsmCoreOptions {
  store: ResourceStore;
  /** 32-byte key that encrypts all key material at rest. */
  rootKey: Buffer;
  /** Clock for creation dates, deletion windows and rotation schedules. */
  clock?: () => Date;
  faults?: FaultInjector;
  /** How much of the audit log to keep (default: all of it). Enforced as each record is appended. */
  auditRetention?: AuditRetentionOptions;
}

/** Who calls which operation of which service, where. */
export interface ServiceCall {
  service: string;
  location: string;
  operation: string;
  principal: string;
  /** Default: a random UUID. */
  requestId?: string;
  /** Cloud-specific audit fields (never secrets). */
  detail?: Record<string, unknown>;
}

/** What one call accumulates for its audit record while it runs. */
export class CallScope {
  readonly requestId: string;
  /** Names of the resources the call acted on, the primary one first. */
  readonly resources: string[] = [];
  /** Redacted request parameters (set by the service once it has validated the request). */
  parameters: Record<string, unknown> = {};
  /** Work to run after the call in its own transaction, whether the call succeeded or not. */
  readonly deferred: (() => void)[] = [];

  constructor(readonly call: ServiceCall) {
    this.requestId = call.requestId ?? randomUUID();
  }

  touch(resource: string): void {
    if (!this.resources.includes(resource)) this.resources.push(resource);
  }
}

/** A cloud's view of a failure: the error to throw to its caller and what the audit log records. */
export interface ServiceFailure {
  error: Error;
  code: string;
  message: string;
  /** The HTTP status the cloud answers this error with on its REST/JSON protocol. */
  httpStatus?: number;
}

/**
 * How one call ended, for a server's metrics and request log alike: names, codes and numbers only,
 * never material, plaintext, ciphertext or tokens. Built from what the call's scope holds anyway, so
 * observing costs no parsing.
 */
export interface CallOutcome {
  /** `aws`, `gcp` or `azure`. */
  readonly service: string;
  /** AWS region, GCP location (`projects/p/locations/l`), or Azure vault name. */
  readonly location: string;
  /** The cloud's own operation name (`Encrypt`, `GetKeyRing`, `wrapKey`). */
  readonly operation: string;
  /** The id answered to the caller and kept in the audit record. */
  readonly requestId: string;
  /** The primary resource (key ARN, GCP resource name, Azure key id) when the call named one. */
  readonly resource: string | undefined;
  /**
   * `OK`, the cloud's error code, `LocationUnavailable` when a fault took the location down, or
   * `InternalFailure` (HTTP status 500) when the call threw without the service shaping its failure.
   */
  readonly code: string;
  /** 200 on success; the cloud's status for its error; undefined when no answer was sent (location down). */
  readonly httpStatus: number | undefined;
  /** From the call reaching the core to its outcome, injected latency included. */
  readonly seconds: number;
}

export type CallObserver = (outcome: CallOutcome) => void;

/**
 * The outcome code of a call that threw without the service shaping its failure (a bug in its `fail`
 * hook): the servers answer such a call 500, as any unexpected error.
 */
const UNSHAPED_FAILURE_CODE = 'InternalFailure';

export interface CallHandlers<T> {
  /** Validates the request and sets `scope.parameters`; runs before faults and outside the transaction. */
  prepare?: (scope: CallScope) => void;
  /** The operation: runs in one transaction with its audit record. */
  run: (scope: CallScope) => T;
  /** Turns anything thrown (including `InjectedFault` and unexpected errors) into the cloud's error. */
  fail: (error: unknown) => ServiceFailure;
}

/**
 * The cloud-neutral HSM: the store, the material vault (root key), the clock, faults and the audit
 * log. Every cloud's service model runs its operations through `call`, which gives them the same
 * guarantees: every call that reaches a service is audited, and a call's writes commit in one
 * transaction with its audit record (both or neither), so a call that cannot be audited fails and
 * changes nothing.
 */
export class HsmCore {
  readonly store: ResourceStore;
  readonly vault: MaterialVault;
  readonly faults: FaultInjector;
  readonly #clock: () => Date;
  readonly #retention: AuditRetentionOptions;
  #observers: readonly CallObserver[] = [];
  /** The pruning rule when only a count bounds the log: the same object for every call. */
  #pruneToCount: AuditPruning | undefined;

  constructor(options: HsmCoreOptions) {
    this.store = options.store;
    this.vault = new MaterialVault(options.rootKey);
    this.faults = options.faults ?? new FaultInjector();
    this.#clock = options.clock ?? (() => new Date());
    this.#retention = checkRetention(options.auditRetention ?? {});
  }

  now(): Date {
    return this.#clock();
  }

  /**
   * Tells `observer` how every later call ends (a server's metrics and request log); returns a
   * function that stops it. An observer that throws never changes a call's outcome.
   */
  observeCalls(observer: CallObserver): () => void {
    this.#observers = [...this.#observers, observer];
    return () => {
      this.#observers = this.#observers.filter((o) => o !== observer);
    };
  }

  /** How much of the audit log this core keeps (empty: all of it). */
  get auditRetention(): Readonly<AuditRetentionOptions> {
    return { ...this.#retention };
  }

  call<T>(call: ServiceCall, handlers: CallHandlers<T>): Promise<T> {
    const scope = new CallScope(call);
    if (this.#observers.length === 0) return this.#started(scope, handlers);
    const started = performance.now();
    let failure: ServiceFailure | undefined;
    // Settled with `then` rather than an async wrapper: one promise fewer per call on the hot path.
    return this.#started(scope, handlers, (f) => {
      failure = f;
    }).then(
      (output) => {
        this.#notify(scope, 'OK', 200, started);
        return output;
      },
      (error: unknown) => {
        if (error instanceof LocationUnavailableError) {
          this.#notify(scope, 'LocationUnavailable', undefined, started);
        } else if (failure) {
          this.#notify(scope, failure.code, failure.httpStatus, started);
        } else {
          // Thrown with no failure shaped by the service (its `fail` hook itself threw): never `OK`.
          this.#notify(scope, UNSHAPED_FAILURE_CODE, 500, started);
        }
        throw error;
      },
    );
  }

  /** {@link HsmCore.#call}, whose synchronous throws (location down, an unauditable failure) reject. */
  #started<T>(
    scope: CallScope,
    handlers: CallHandlers<T>,
    failed?: (failure: ServiceFailure) => void,
  ): Promise<T> {
    try {
      return this.#call(scope, handlers, failed);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Not an async function: a call with no fault to wait for runs synchronously up to its commit, and
   * its answer is one `then` on that commit (one microtask turn in memory), where awaiting each step
   * cost a turn apiece. Its steps are methods, not closures made per call: under a loader that keeps
   * function names (tsx), each closure made costs a property definition as well.
   */
  #call<T>(
    scope: CallScope,
    handlers: CallHandlers<T>,
    failed?: (failure: ServiceFailure) => void,
  ): Promise<T> {
    const { call } = scope;
    // Not audited: the request never reached the service.
    this.faults.checkConnection(call.service, call.location);
    let faults: Promise<void> | undefined;
    try {
      handlers.prepare?.(scope);
      faults = this.faults.beforeCall(call.service, call.location, call.operation);
    } catch (thrown) {
      return this.#finish(scope, handlers, failed, { thrown });
    }
    // An injected latency or fault: the operation runs (or fails) once it settles.
    if (faults)
      return faults.then(
        () => this.#finish(scope, handlers, failed),
        (thrown: unknown) => this.#finish(scope, handlers, failed, { thrown }),
      );
    return this.#finish(scope, handlers, failed);
  }

  /** Runs the call (or, with `prior`, records how it failed before running) and answers it. */
  #finish<T>(
    scope: CallScope,
    handlers: CallHandlers<T>,
    failed: ((failure: ServiceFailure) => void) | undefined,
    prior?: { thrown: unknown },
  ): Promise<T> {
    // The commits the call joins (its writes and audit record, its deferred work) and must wait for.
    const commits: Promise<void>[] = [];
    const answer = this.#commit(scope, handlers, failed, commits, prior);
    return this.#answer(commits, answer, handlers, failed);
  }

  /** The call's failure, as the handlers shape it, reported to the observers' hook. */
  #fail<T>(
    handlers: CallHandlers<T>,
    failed: ((failure: ServiceFailure) => void) | undefined,
    thrown: unknown,
  ): ServiceFailure {
    const failure = handlers.fail(thrown);
    failed?.(failure);
    return failure;
  }

  /**
   * The call's writes with its audit record (or, when it fails or `prior` failed it, its failure's audit
   * record), then its deferred work: each joins the store's open commit group (atomic on its own).
   * Returns how to answer once those commits are durable; throws when not even the failure could be
   * audited (then nothing of the call was committed).
   */
  #commit<T>(
    scope: CallScope,
    handlers: CallHandlers<T>,
    failed: ((failure: ServiceFailure) => void) | undefined,
    commits: Promise<void>[],
    prior?: { thrown: unknown },
  ): () => T {
    try {
      if (prior) throw prior.thrown;
      const output = this.#grouped(commits, () => {
        const output = handlers.run(scope);
        this.#audit(scope);
        return output;
      });
      return () => output;
    } catch (thrown) {
      const failure = this.#fail(handlers, failed, thrown);
      try {
        this.#grouped(commits, () => this.#audit(scope, failure));
      } catch (auditError) {
        // Nothing of the call was committed; it fails either way, now without its audit record.
        throw this.#fail(handlers, failed, auditError).error;
      }
      return () => {
        throw failure.error;
      };
    } finally {
      if (scope.deferred.length) {
        this.#grouped(commits, () => {
          for (const work of scope.deferred) work();
        });
      }
    }
  }

  /**
   * Answers once every commit the call joined is durable: nobody hears of a call before its group
   * commits, and a failed commit fails the call (nothing of it was kept).
   */
  #answer<T>(
    commits: Promise<void>[],
    answer: () => T,
    handlers: CallHandlers<T>,
    failed: ((failure: ServiceFailure) => void) | undefined,
  ): Promise<T> {
    // The commits of one call usually share one group's promise: wait on it directly, without the
    // turns Promise.all adds.
    const first = commits[0]!;
    const durable = commits.every((commit) => commit === first) ? first : Promise.all(commits);
    return durable.then(answer, (lost: unknown) => {
      throw this.#fail(handlers, failed, lost).error;
    });
  }

  /** Runs `fn` in the store's commit group and notes the commit the call must wait for. */
  #grouped<R>(commits: Promise<void>[], fn: () => R): R {
    try {
      return this.store.groupedTransaction(fn);
    } finally {
      commits.push(this.store.committed());
    }
  }

  /** Audit records, oldest first, in the core's neutral form (each cloud renders its own format). */
  auditLog(query: AuditQuery = {}): AuditRecord[] {
    return this.store.queryAudit(query);
  }

  /** One page of audit records, oldest first, filtered in the store (see `ResourceStore.pageAudit`). */
  auditPage(query: AuditQuery & { limit: number }): AuditPage {
    return this.store.pageAudit(query);
  }

  close(): void {
    this.vault.destroy();
    this.store.close();
  }

  #notify(scope: CallScope, code: string, httpStatus: number | undefined, started: number): void {
    const { service, location, operation } = scope.call;
    const outcome: CallOutcome = {
      service,
      location,
      operation,
      requestId: scope.requestId,
      resource: scope.resources[0] ?? namedResource(scope.parameters),
      code,
      httpStatus,
      seconds: (performance.now() - started) / 1000,
    };
    for (const observer of this.#observers) {
      try {
        observer(outcome);
      } catch {
        // An observer's failure (a metrics or log bug) must never change a call's outcome.
      }
    }
  }

  #audit(scope: CallScope, failure?: ServiceFailure): void {
    const time = this.#clock();
    const { service, location, operation, principal, detail } = scope.call;
    this.store.appendAudit({
      id: randomUUID(),
      time: time.toISOString(),
      service,
      location,
      operation,
      requestId: scope.requestId,
      principal,
      resources: [...scope.resources],
      parameters: scope.parameters,
      ...(failure ? { error: { code: failure.code, message: failure.message } } : {}),
      ...(detail ? { detail } : {}),
    });
    const { maxEvents, maxAgeDays } = this.#retention;
    if (maxAgeDays !== undefined) {
      this.store.pruneAudit({
        ...(maxEvents !== undefined ? { maxEvents } : {}),
        before: new Date(time.getTime() - maxAgeDays * 86_400_000),
      });
    } else if (maxEvents !== undefined) {
      this.store.pruneAudit((this.#pruneToCount ??= { maxEvents }));
    }
  }
}

/** The key a failed call asked for (`keyId` in AWS, `name` in GCP) when it found none to act on. */
function namedResource(parameters: Record<string, unknown>): string | undefined {
  const named = parameters.keyId ?? parameters.name;
  return typeof named === 'string' && named.length <= 2048 ? named : undefined;
}

function checkRetention(retention: AuditRetentionOptions): AuditRetentionOptions {
  for (const [name, value] of Object.entries(retention)) {
    if (value !== undefined && !(Number.isInteger(value) && value > 0)) {
      throw new TypeError(`auditRetention.${name} must be a positive integer`);
    }
  }
  return { ...retention };
}
