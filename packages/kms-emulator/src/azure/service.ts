import { type AuditQuery, type HsmCore, InjectedFault, type ServiceFailure } from '../core/index.js';
import { type AzureDiagnosticLogEntry, renderAuditEntry } from './audit-log.js';
import { cryptoOperations } from './crypto-operations.js';
import { AzureKeyVaultError, isAzureErrorCode } from './errors.js';
import { keyOperations } from './key-operations.js';
import { AzureKeyStore } from './key-store.js';
import { checkVaultName, defaultVaultUrl } from './names.js';
import type { AzureRequest, Operation } from './operation.js';

/** Fault and audit service name of the Key Vault model; a fault's location is the vault name. */
export const AZURE_SERVICE = 'azure';

const OPERATIONS: Readonly<Record<string, Operation>> = { ...keyOperations, ...cryptoOperations };

/** The keys API operations this emulator implements, by their REST operation names. */
export const AZURE_KEY_OPERATIONS: readonly string[] = Object.keys(OPERATIONS);

export interface AzureCallContext {
  /** The vault the request was sent to (the first label of its host name). */
  vault: string;
  /** Base URL key ids are rendered under (default `https://<vault>.vault.localhost`). */
  vaultUrl?: string;
  /** The caller's object id (token `oid`) or application id, recorded in the audit log. */
  principal?: string;
  requestId?: string;
  /** Non-secret fields for the diagnostic log (api-version, client request id, caller address). */
  detail?: Record<string, unknown>;
}

export interface AzureKeyVaultServiceOptions {
  /** Principal recorded when a call names none. */
  principal?: string;
}

/**
 * The Azure Key Vault keys service model over the cloud-neutral HSM core: keys and versions per
 * vault, soft-delete with recover and purge, rotation and rotation policies, and the cryptographic
 * operations, with Key Vault's validation, error codes and messages. Requests and results are the
 * REST API's JSON bodies (bytes base64url without padding), so a wire protocol only routes.
 * Every call runs through `HsmCore.call`: audited, and atomic with its audit record.
 */
export class AzureKeyVaultService {
  readonly core: HsmCore;
  readonly #keys: AzureKeyStore;
  readonly #principal: string;

  constructor(core: HsmCore, options: AzureKeyVaultServiceOptions = {}) {
    this.core = core;
    this.#keys = new AzureKeyStore(core);
    this.#principal = options.principal ?? '00000000-0000-0000-0000-000000000000';
  }

  /**
   * Runs one keys API operation by name (`createKey`, `wrapKey`, `getKeys` …). Throws
   * `AzureKeyVaultError`, or the core's `LocationUnavailableError` when a fault has taken the vault
   * down (transports answer that as a connection failure). Listings return `{ value, next }`.
   */
  async invoke(operation: string, request: AzureRequest, context: AzureCallContext): Promise<unknown> {
    const op = Object.hasOwn(OPERATIONS, operation) ? OPERATIONS[operation] : undefined;
    if (!op)
      throw new AzureKeyVaultError(
        'NotImplemented',
        `Operation ${operation} is not implemented by the Envelope emulator.`,
      );
    const vault = checkVaultName(context.vault);
    const vaultUrl = context.vaultUrl ?? defaultVaultUrl(vault);
    let input: unknown;
    return this.core.call(
      {
        service: AZURE_SERVICE,
        location: vault,
        operation,
        principal: context.principal ?? this.#principal,
        ...(context.requestId ? { requestId: context.requestId } : {}),
        ...(context.detail ? { detail: context.detail } : {}),
      },
      {
        prepare: (scope) => {
          const parsed = op.parse(request);
          input = parsed.input;
          scope.parameters = dropUndefined(parsed.parameters);
        },
        run: (scope) =>
          op.run(input, {
            keys: this.#keys,
            scope,
            vault,
            vaultUrl,
            now: Math.floor(this.core.now().getTime() / 1000),
          }),
        fail: toFailure,
      },
    );
  }

  /** Audit records of this service in Key Vault's diagnostic log (AuditEvent) shape, oldest first. */
  diagnosticLog(query: Omit<AuditQuery, 'service'> = {}): AzureDiagnosticLogEntry[] {
    return this.core.auditLog({ ...query, service: AZURE_SERVICE }).map(renderAuditEntry);
  }
}

function dropUndefined(parameters: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(parameters).filter(([, v]) => v !== undefined));
}

/** Anything thrown by a call, as the Key Vault error its caller gets. */
export function toFailure(thrown: unknown): ServiceFailure {
  const error = toAzureError(thrown);
  return { error, code: error.code, message: error.message, httpStatus: error.status };
}

function toAzureError(thrown: unknown): AzureKeyVaultError {
  if (thrown instanceof AzureKeyVaultError) return thrown;
  if (thrown instanceof InjectedFault) {
    if (thrown.kind === 'throttle')
      return new AzureKeyVaultError(
        'Throttled',
        'Request was not processed because too many requests were received. Reason: injected throttling.',
      );
    const name = thrown.error ?? 'InternalServerError';
    if (isAzureErrorCode(name)) return new AzureKeyVaultError(name, thrown.message);
    return new AzureKeyVaultError(
      'InternalServerError',
      `Injected fault names no Key Vault error code: ${name}.`,
    );
  }
  // Never echo an unexpected error's message: it may carry internals.
  return new AzureKeyVaultError('InternalServerError', 'The emulator failed to process the request.');
}
