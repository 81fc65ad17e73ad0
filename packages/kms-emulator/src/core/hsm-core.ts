import { randomUUID } from 'node:crypto';
import type { AuditQuery, AuditRecord } from './audit-record.js';
import { FaultInjector } from './faults.js';
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
}

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

  /** How much of the audit log this core keeps (empty: all of it). */
  get auditRetention(): Readonly<AuditRetentionOptions> {
    return { ...this.#retention };
  }

  async call<T>(call: ServiceCall, handlers: CallHandlers<T>): Promise<T> {
    // Not audited: the request never reached the service.
    this.faults.checkConnection(call.service, call.location);
    const scope = new CallScope(call);
    try {
      handlers.prepare?.(scope);
      const faults = this.faults.beforeCall(call.service, call.location, call.operation);
      if (faults) await faults;
      return this.store.transaction(() => {
        const output = handlers.run(scope);
        this.#audit(scope);
        return output;
      });
    } catch (thrown) {
      const failure = handlers.fail(thrown);
      try {
        this.store.transaction(() => this.#audit(scope, failure));
      } catch (auditError) {
        // Nothing of the call was committed; it fails either way, now without its audit record.
        throw handlers.fail(auditError).error;
      }
      throw failure.error;
    } finally {
      if (scope.deferred.length) {
        this.store.transaction(() => {
          for (const work of scope.deferred) work();
        });
      }
    }
  }

  /** Audit records, oldest first, in the core's neutral form (each cloud renders its own format). */
  auditLog(query: AuditQuery = {}): AuditRecord[] {
    return this.store.queryAudit(query);
  }

  close(): void {
    this.vault.destroy();
    this.store.close();
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
    if (maxEvents !== undefined || maxAgeDays !== undefined) {
      this.store.pruneAudit({
        ...(maxEvents !== undefined ? { maxEvents } : {}),
        ...(maxAgeDays !== undefined ? { before: new Date(time.getTime() - maxAgeDays * 86_400_000) } : {}),
      });
    }
  }
}

function checkRetention(retention: AuditRetentionOptions): AuditRetentionOptions {
  for (const [name, value] of Object.entries(retention)) {
    if (value !== undefined && !(Number.isInteger(value) && value > 0)) {
      throw new TypeError(`auditRetention.${name} must be a positive integer`);
    }
  }
  return { ...retention };
}
