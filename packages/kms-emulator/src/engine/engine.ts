import { randomUUID } from 'node:crypto';
import { auditEvent } from '../audit/audit-event.js';
import { KmsError, kmsError } from '../errors.js';
import { FaultInjector } from '../faults/faults.js';
import type { AuditQuery, KmsStore } from '../storage/store.js';
import { aliasOperations } from './aliases.js';
import { cryptoOperations } from './crypto-ops.js';
import { dataKeyPairOperations } from './data-key-pairs.js';
import { purgeKey } from './deletion.js';
import { grantOperations } from './grants.js';
import { accountRoot, REGION_NAME } from './ids.js';
import { keyPolicyOperations } from './key-policy.js';
import { keyOperations } from './keys.js';
import { multiRegionOperations } from './multi-region.js';
import type { OperationTable } from './operation.js';
import { requestMembers } from './request-members.js';
import { rotationOperations } from './rotation.js';
import { OperationScope } from './scope.js';
import { signingOperations } from './signing.js';
import { tagOperations } from './tags.js';
import type { AuditEvent, RequestContext } from './types.js';
import type { Input } from './validate.js';
import type { MaterialVault } from './versions.js';

export interface KmsEngineOptions {
  store: KmsStore;
  /** 32-byte key that encrypts all key material at rest. */
  rootKey: Buffer;
  /** Account used when a caller does not name one; default `111122223333`. */
  defaultAccountId?: string;
  /** Known accounts (informational; any 12-digit account may call). */
  accounts?: readonly string[];
  /** Clock for creation dates, deletion windows and rotation schedules. */
  clock?: () => Date;
  faults?: FaultInjector;
  /** How much of the audit log to keep (default: all of it). Enforced as each event is appended. */
  auditRetention?: AuditRetentionOptions;
}

export interface AuditRetentionOptions {
  /** Keep at most this many of the newest events. */
  maxEvents?: number;
  /** Drop events older than this many days. */
  maxAgeDays?: number;
}

const OPERATIONS: OperationTable = {
  ...keyOperations,
  ...cryptoOperations,
  ...dataKeyPairOperations,
  ...signingOperations,
  ...aliasOperations,
  ...tagOperations,
  ...rotationOperations,
  ...multiRegionOperations,
  ...keyPolicyOperations,
  ...grantOperations,
};

/** Names of every KMS operation the engine implements. */
export const KMS_OPERATIONS: readonly string[] = Object.keys(OPERATIONS).sort();

/**
 * The HSM-like AWS KMS emulator. Requests and responses use the AWS API shapes (PascalCase members,
 * blobs as `Uint8Array`, timestamps as `Date`); transports only translate encodings.
 */
export class KmsEngine {
  readonly faults: FaultInjector;
  readonly defaultAccountId: string;
  readonly accounts: readonly string[];
  readonly #store: KmsStore;
  readonly #vault: MaterialVault;
  readonly #clock: () => Date;
  readonly #retention: AuditRetentionOptions;

  constructor(options: KmsEngineOptions) {
    if (!Buffer.isBuffer(options.rootKey) || options.rootKey.length !== 32) {
      throw new KmsError('ValidationException', 'rootKey must be a 32-byte Buffer');
    }
    this.#store = options.store;
    this.#clock = options.clock ?? (() => new Date());
    this.#vault = {
      store: options.store,
      rootKey: Buffer.from(options.rootKey),
      now: () => this.#clock().getTime(),
    };
    this.faults = options.faults ?? new FaultInjector();
    this.defaultAccountId = options.defaultAccountId ?? '111122223333';
    this.accounts = options.accounts ?? [this.defaultAccountId];
    this.#retention = checkRetention(options.auditRetention ?? {});
  }

  /** A request context for `principal` (default: the default account's root) in `region`. */
  context(region: string, principal = accountRoot(this.defaultAccountId)): RequestContext {
    const accountId = /::(\d{12}):/.exec(principal)?.[1] ?? this.defaultAccountId;
    return { region, principal, accountId };
  }

  /**
   * Runs one KMS operation. Throws `KmsError` (AWS exception name and status) or, when the region is
   * marked down, `RegionUnavailableError`. Every call that reaches the engine is audited, and a call's
   * writes commit in one transaction with its audit event: both or neither, so a call that cannot be
   * audited fails and changes nothing.
   */
  async execute(
    operation: string,
    rawInput: Readonly<Record<string, unknown>>,
    ctx: RequestContext,
  ): Promise<Record<string, unknown>> {
    if (!REGION_NAME.test(ctx.region)) {
      // Not audited: a call with no valid region has no region to be recorded in.
      throw kmsError(
        'ValidationException',
        `The region '${ctx.region}' is not a valid AWS Region name (lower-case, such as us-east-1); sign the request for a region of that form`,
      );
    }
    this.faults.checkConnection(ctx.region);
    const requestId = ctx.requestId ?? randomUUID();
    const handler = Object.hasOwn(OPERATIONS, operation) ? OPERATIONS[operation] : undefined;
    if (!handler) throw kmsError('UnknownOperationException', `Unknown operation ${operation}`);
    const scope = new OperationScope(this.#vault, { ...ctx, requestId });
    let input: Input = {};
    try {
      input = requestMembers(operation, rawInput);
      await this.faults.beforeCall(operation, ctx.region);
      return this.#store.transaction(() => {
        const output = handler(scope, input);
        if (input.DryRun === true) {
          // Every check passed; the throw rolls back whatever the handler wrote.
          discard(output);
          throw kmsError(
            'DryRunOperationException',
            'The request would have succeeded, but the DryRun option is set.',
          );
        }
        this.#audit(operation, scope, input);
        return output;
      });
    } catch (error) {
      const kmsErr =
        error instanceof KmsError
          ? error
          : new KmsError('KMSInternalException', 'An internal error occurred', { cause: error });
      try {
        this.#store.transaction(() => this.#audit(operation, scope, input, kmsErr));
      } catch (auditError) {
        // Nothing of the call was committed; it fails either way, now without its audit row.
        throw new KmsError('KMSInternalException', 'An internal error occurred', { cause: auditError });
      }
      throw kmsErr;
    } finally {
      if (scope.expired.length) {
        this.#store.transaction(() => {
          for (const key of scope.expired) purgeKey(this.#store, key);
        });
      }
    }
  }

  /** CloudTrail-shaped events, oldest first. */
  auditLog(query: AuditQuery = {}): AuditEvent[] {
    return this.#store.queryAudit(query);
  }

  close(): void {
    this.#vault.rootKey.fill(0);
    this.#store.close();
  }

  #audit(operation: string, scope: OperationScope, input: Input, error?: unknown): void {
    const time = this.#clock();
    this.#store.appendAudit(
      auditEvent({
        operation,
        ctx: scope.ctx,
        requestId: scope.ctx.requestId!,
        time,
        input,
        keys: scope.touched,
        ...(error !== undefined ? { error } : {}),
      }),
    );
    const { maxEvents, maxAgeDays } = this.#retention;
    if (maxEvents !== undefined || maxAgeDays !== undefined) {
      this.#store.pruneAudit({
        ...(maxEvents !== undefined ? { maxEvents } : {}),
        ...(maxAgeDays !== undefined ? { before: new Date(time.getTime() - maxAgeDays * 86_400_000) } : {}),
      });
    }
  }
}

/** A dry run's output never leaves the engine: zero-fill its plaintext and key buffers. */
function discard(output: Record<string, unknown>): void {
  for (const value of Object.values(output)) if (value instanceof Uint8Array) value.fill(0);
}

function checkRetention(retention: AuditRetentionOptions): AuditRetentionOptions {
  for (const [name, value] of Object.entries(retention)) {
    if (value !== undefined && !(Number.isInteger(value) && value > 0)) {
      throw new KmsError('ValidationException', `auditRetention.${name} must be a positive integer`);
    }
  }
  return { ...retention };
}
