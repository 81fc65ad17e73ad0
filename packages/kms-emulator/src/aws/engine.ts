import {
  type AuditRetentionOptions,
  type CallScope,
  type FaultInjector,
  HsmCore,
  InjectedFault,
  type ResourceStore,
  type ServiceFailure,
} from '../core/index.js';
import { aliasOperations } from './aliases.js';
import { AWS_SERVICE, AwsFaults } from './aws-faults.js';
import { AwsResources } from './aws-resources.js';
import { auditParameters, cloudTrailEvent } from './cloudtrail.js';
import { cryptoOperations } from './crypto-ops.js';
import { dataKeyPairOperations } from './data-key-pairs.js';
import { isKmsExceptionName, KmsError, kmsError } from './errors.js';
import { grantOperations } from './grants.js';
import { accountRoot, REGION_NAME } from './ids.js';
import { importOperations } from './import-material.js';
import { keyAgreementOperations } from './key-agreement.js';
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
import type { KeyVault } from './versions.js';

export type { AuditRetentionOptions } from '../core/index.js';

export interface KmsAccountOptions {
  /** Account used when a caller does not name one; default `111122223333`. */
  defaultAccountId?: string;
  /** Known accounts (informational; any 12-digit account may call). */
  accounts?: readonly string[];
}

/**
 * Either a shared `HsmCore` (one engine per core; the other clouds' models run over the same core),
 * or what to build a core of its own from.
 */
export type KmsEngineOptions = KmsAccountOptions &
  (
    | { core: HsmCore }
    | {
        store: ResourceStore;
        /** 32-byte key that encrypts all key material at rest. */
        rootKey: Buffer;
        /** Clock for creation dates, deletion windows and rotation schedules. */
        clock?: () => Date;
        faults?: FaultInjector;
        /** How much of the audit log to keep (default: all of it). Enforced as each event is appended. */
        auditRetention?: AuditRetentionOptions;
      }
  );

/** Which CloudTrail events to read (all filters run in the store). */
export interface AuditQuery {
  /** Only events at or after this time. */
  since?: Date;
  /** Only events before this time. */
  until?: Date;
  /** Key id or key ARN. */
  keyId?: string;
  region?: string;
  operation?: string;
  /** At most this many events (the oldest that match). */
  limit?: number;
}

const OPERATIONS: OperationTable = {
  ...keyOperations,
  ...cryptoOperations,
  ...dataKeyPairOperations,
  ...signingOperations,
  ...keyAgreementOperations,
  ...importOperations,
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
 * The HSM-like AWS KMS emulator: the AWS service model over the cloud-neutral `HsmCore`. Requests and
 * responses use the AWS API shapes (PascalCase members, blobs as `Uint8Array`, timestamps as `Date`);
 * transports only translate encodings. Keys, aliases and grants live in the core's store as
 * `aws.key`, `aws.alias` and `aws.grant`; material in its vault; calls in its audit log.
 */
export class KmsEngine {
  readonly core: HsmCore;
  readonly faults: AwsFaults;
  readonly defaultAccountId: string;
  readonly accounts: readonly string[];
  readonly #vault: KeyVault;
  /** Whether this engine built its core (and so closes it). */
  readonly #ownsCore: boolean;

  constructor(options: KmsEngineOptions) {
    if ('core' in options) {
      this.core = options.core;
      this.#ownsCore = false;
    } else {
      const { store, rootKey, clock, faults, auditRetention } = options;
      if (!Buffer.isBuffer(rootKey) || rootKey.length !== 32) {
        throw new KmsError('ValidationException', 'rootKey must be a 32-byte Buffer');
      }
      if (auditRetention) checkRetention(auditRetention);
      this.core = new HsmCore({
        store,
        rootKey,
        ...(clock ? { clock } : {}),
        ...(faults ? { faults } : {}),
        ...(auditRetention ? { auditRetention } : {}),
      });
      this.#ownsCore = true;
    }
    const core = this.core;
    this.#vault = {
      store: new AwsResources(core.store),
      material: core.vault,
      markerKey: core.vault.deriveKey('envelope-kms-emulator:aws-list-marker'),
      now: () => core.now().getTime(),
    };
    this.faults = new AwsFaults(core.faults);
    this.defaultAccountId = options.defaultAccountId ?? '111122223333';
    this.accounts = options.accounts ?? [this.defaultAccountId];
  }

  /** A request context for `principal` (default: the default account's root) in `region`. */
  context(region: string, principal = accountRoot(this.defaultAccountId)): RequestContext {
    const accountId = /::(\d{12}):/.exec(principal)?.[1] ?? this.defaultAccountId;
    return { region, principal, accountId };
  }

  /**
   * Runs one KMS operation through the core's audited call pipeline. Throws `KmsError` (AWS exception
   * name and status) or, when the region is marked down, the core's `LocationUnavailableError`. Every
   * call that reaches the engine is audited, and a call's writes commit in one transaction with its
   * audit record: both or neither, so a call that cannot be audited fails and changes nothing.
   */
  execute(
    operation: string,
    rawInput: Readonly<Record<string, unknown>>,
    ctx: RequestContext,
  ): Promise<Record<string, unknown>> {
    // Not an async function: the core's promise is returned as it is, not wrapped in another.
    try {
      return this.#execute(operation, rawInput, ctx);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  #execute(
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
    const handler = Object.hasOwn(OPERATIONS, operation) ? OPERATIONS[operation] : undefined;
    if (!handler) throw kmsError('UnknownOperationException', `Unknown operation ${operation}`);
    let scope: OperationScope | undefined;
    let input: Record<string, unknown> = {};
    const vault = this.#vault;
    // The handlers are methods of the object literal, which tsx's keepNames does not wrap in a
    // naming call per request as it does a named closure (see HsmCore's #call); they are still made
    // per call, over `scope` and `input`.
    return this.core.call(
      {
        service: AWS_SERVICE,
        location: ctx.region,
        operation,
        principal: ctx.principal,
        requestId: ctx.requestId, // none: the core makes one
        detail: { accountId: ctx.accountId },
      },
      {
        prepare(call: CallScope) {
          // The caller's context as it is when it already carries the call's request id (a server's do).
          const callCtx = ctx.requestId === call.requestId ? ctx : { ...ctx, requestId: call.requestId };
          scope = new OperationScope(vault, callCtx, call);
          input = requestMembers(operation, rawInput);
          call.parameters = auditParameters(input);
        },
        run() {
          const output = handler(scope!, input);
          if (input.DryRun === true) {
            // Every check passed; the throw rolls back whatever the handler wrote.
            discard(output);
            throw kmsError(
              'DryRunOperationException',
              'The request would have succeeded, but the DryRun option is set.',
            );
          }
          return output;
        },
        fail: awsFailure,
      },
    );
  }

  /** CloudTrail-shaped events of the AWS service, oldest first. */
  auditLog(query: AuditQuery = {}): AuditEvent[] {
    return this.core
      .auditLog({
        service: AWS_SERVICE,
        ...(query.since ? { since: query.since } : {}),
        ...(query.until ? { until: query.until } : {}),
        ...(query.keyId !== undefined ? { resource: query.keyId } : {}),
        ...(query.region !== undefined ? { location: query.region } : {}),
        ...(query.operation !== undefined ? { operation: query.operation } : {}),
        ...(query.limit !== undefined ? { limit: query.limit } : {}),
      })
      .map(cloudTrailEvent);
  }

  /** Closes the core when this engine built it; a shared core is closed by its owner. */
  close(): void {
    this.#vault.markerKey.fill(0);
    if (this.#ownsCore) this.core.close();
  }
}

/** Anything a call throws, as the AWS error its caller gets and its audit record keeps. */
function awsFailure(thrown: unknown): ServiceFailure {
  let error: KmsError;
  if (thrown instanceof KmsError) error = thrown;
  else if (thrown instanceof InjectedFault) {
    error =
      thrown.kind === 'throttle'
        ? new KmsError('ThrottlingException', 'Rate exceeded')
        : thrown.error !== undefined && isKmsExceptionName(thrown.error)
          ? new KmsError(thrown.error, thrown.message)
          : new KmsError(
              'KMSInternalException',
              `Injected fault '${thrown.error}' is not an AWS KMS exception`,
            );
  } else error = new KmsError('KMSInternalException', 'An internal error occurred', { cause: thrown });
  return { error, code: error.exceptionName, message: error.message, httpStatus: error.httpStatus };
}

/** A dry run's output never leaves the engine: zero-fill its plaintext and key buffers. */
function discard(output: Record<string, unknown>): void {
  for (const value of Object.values(output)) if (value instanceof Uint8Array) value.fill(0);
}

function checkRetention(retention: AuditRetentionOptions): void {
  for (const [name, value] of Object.entries(retention)) {
    if (value !== undefined && !(Number.isInteger(value) && value > 0)) {
      throw new KmsError('ValidationException', `auditRetention.${name} must be a positive integer`);
    }
  }
}
