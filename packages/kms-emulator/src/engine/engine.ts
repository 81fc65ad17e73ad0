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
import { accountRoot } from './ids.js';
import { keyAgreementOperations } from './key-agreement.js';
import { keyPolicyOperations } from './key-policy.js';
import { keyOperations } from './keys.js';
import { multiRegionOperations } from './multi-region.js';
import type { OperationTable } from './operation.js';
import { rotationOperations } from './rotation.js';
import { OperationScope } from './scope.js';
import { signingOperations } from './signing.js';
import { tagOperations } from './tags.js';
import type { AuditEvent, RequestContext } from './types.js';
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
}

const OPERATIONS: OperationTable = {
  ...keyOperations,
  ...cryptoOperations,
  ...dataKeyPairOperations,
  ...signingOperations,
  ...keyAgreementOperations,
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
  }

  /** A request context for `principal` (default: the default account's root) in `region`. */
  context(region: string, principal = accountRoot(this.defaultAccountId)): RequestContext {
    const accountId = /::(\d{12}):/.exec(principal)?.[1] ?? this.defaultAccountId;
    return { region, principal, accountId };
  }

  /**
   * Runs one KMS operation. Throws `KmsError` (AWS exception name and status) or, when the region is
   * marked down, `RegionUnavailableError`. Every call that reaches the engine is audited.
   */
  async execute(
    operation: string,
    input: Readonly<Record<string, unknown>>,
    ctx: RequestContext,
  ): Promise<Record<string, unknown>> {
    this.faults.checkConnection(ctx.region);
    const requestId = ctx.requestId ?? randomUUID();
    const handler = Object.hasOwn(OPERATIONS, operation) ? OPERATIONS[operation] : undefined;
    if (!handler) throw kmsError('UnknownOperationException', `Unknown operation ${operation}`);
    const scope = new OperationScope(this.#vault, { ...ctx, requestId });
    try {
      await this.faults.beforeCall(operation, ctx.region);
      const output = this.#store.transaction(() => handler(scope, input ?? {}));
      this.#audit(operation, scope, input);
      return output;
    } catch (error) {
      const kmsErr =
        error instanceof KmsError
          ? error
          : new KmsError('KMSInternalException', 'An internal error occurred', { cause: error });
      this.#audit(operation, scope, input, kmsErr);
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

  #audit(
    operation: string,
    scope: OperationScope,
    input: Readonly<Record<string, unknown>>,
    error?: unknown,
  ): void {
    this.#store.appendAudit(
      auditEvent({
        operation,
        ctx: scope.ctx,
        requestId: scope.ctx.requestId!,
        time: this.#clock(),
        input: input ?? {},
        keys: scope.touched,
        ...(error !== undefined ? { error } : {}),
      }),
    );
  }
}
