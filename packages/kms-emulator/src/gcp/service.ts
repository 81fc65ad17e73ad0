import { type AuditQuery, type HsmCore, InjectedFault, type ServiceFailure } from '../core/index.js';
import { type CloudAuditLogEntry, renderAuditEntry } from './audit-log.js';
import { cryptoKeyOperations } from './crypto-key-operations.js';
import { cryptoOperations } from './crypto-operations.js';
import { GCP_STATUS_CODES, GcpKmsError, gcpError, isGcpStatus } from './errors.js';
import { keyRingOperations } from './key-ring-operations.js';
import type {
  CryptoKey,
  CryptoKeyVersion,
  DecryptResponse,
  EncryptResponse,
  GcpRequest,
  GenerateRandomBytesResponse,
  KeyRing,
  ListCryptoKeysResponse,
  ListCryptoKeyVersionsResponse,
  ListKeyRingsResponse,
} from './messages.js';
import { locationOf } from './names.js';
import { auditedParameters, type Operation } from './operation.js';
import { GcpResources } from './resources.js';
import { versionOperations } from './version-operations.js';

/** Fault and audit service name of the Cloud KMS model. */
export const GCP_SERVICE = 'gcp';

const OPERATIONS: Readonly<Record<string, Operation>> = {
  ...keyRingOperations,
  ...cryptoKeyOperations,
  ...versionOperations,
  ...cryptoOperations,
};

/** The `KeyManagementService` methods this emulator implements (the rest answer UNIMPLEMENTED). */
export const GCP_KMS_METHODS: readonly string[] = Object.keys(OPERATIONS);

export interface GcpKmsServiceOptions {
  /** Principal recorded in audit entries when a call names none (default: an emulator service account). */
  principal?: string;
}

export interface GcpCallContext {
  principal?: string;
  requestId?: string;
}

/**
 * The Google Cloud KMS service model over the cloud-neutral HSM core: key rings, crypto keys and
 * their versions, Encrypt, Decrypt and GenerateRandomBytes, with Cloud KMS's resource names,
 * validation, status codes and messages. Requests and responses are the `google.cloud.kms.v1`
 * messages in protobuf.js object form, so a wire protocol only converts to and from its encoding.
 * Every call runs through `HsmCore.call`: audited, and atomic with its audit record.
 */
export class GcpKmsService {
  readonly core: HsmCore;
  readonly #resources: GcpResources;
  readonly #principal: string;

  constructor(core: HsmCore, options: GcpKmsServiceOptions = {}) {
    this.core = core;
    this.#resources = new GcpResources(core);
    this.#principal = options.principal ?? 'emulator@envelope-emulator.iam.gserviceaccount.com';
  }

  /**
   * Runs one `KeyManagementService` method by its RPC name (`Encrypt`, `ListCryptoKeys` …). Throws
   * `GcpKmsError`, or the core's `LocationUnavailableError` when a fault has taken the location
   * down (transports answer that as a connection failure).
   */
  async invoke(method: string, request: GcpRequest, context: GcpCallContext = {}): Promise<unknown> {
    const operation = Object.hasOwn(OPERATIONS, method) ? OPERATIONS[method] : undefined;
    if (!operation)
      throw gcpError(
        'UNIMPLEMENTED',
        `Method google.cloud.kms.v1.KeyManagementService.${method} is not implemented by the Envelope emulator.`,
      );
    return this.core.call(
      {
        service: GCP_SERVICE,
        location: locationOf(operation.target(request)),
        operation: method,
        principal: context.principal ?? this.#principal,
        ...(context.requestId ? { requestId: context.requestId } : {}),
      },
      {
        prepare: (scope) => {
          scope.parameters = auditedParameters(request);
        },
        run: (scope) => operation.run(request, { resources: this.#resources, scope, now: this.core.now() }),
        fail: toFailure,
      },
    );
  }

  createKeyRing = (r: GcpRequest) => this.invoke('CreateKeyRing', r) as Promise<KeyRing>;
  getKeyRing = (r: GcpRequest) => this.invoke('GetKeyRing', r) as Promise<KeyRing>;
  listKeyRings = (r: GcpRequest) => this.invoke('ListKeyRings', r) as Promise<ListKeyRingsResponse>;
  createCryptoKey = (r: GcpRequest) => this.invoke('CreateCryptoKey', r) as Promise<CryptoKey>;
  getCryptoKey = (r: GcpRequest) => this.invoke('GetCryptoKey', r) as Promise<CryptoKey>;
  listCryptoKeys = (r: GcpRequest) => this.invoke('ListCryptoKeys', r) as Promise<ListCryptoKeysResponse>;
  updateCryptoKey = (r: GcpRequest) => this.invoke('UpdateCryptoKey', r) as Promise<CryptoKey>;
  updateCryptoKeyPrimaryVersion = (r: GcpRequest) =>
    this.invoke('UpdateCryptoKeyPrimaryVersion', r) as Promise<CryptoKey>;
  createCryptoKeyVersion = (r: GcpRequest) =>
    this.invoke('CreateCryptoKeyVersion', r) as Promise<CryptoKeyVersion>;
  getCryptoKeyVersion = (r: GcpRequest) => this.invoke('GetCryptoKeyVersion', r) as Promise<CryptoKeyVersion>;
  listCryptoKeyVersions = (r: GcpRequest) =>
    this.invoke('ListCryptoKeyVersions', r) as Promise<ListCryptoKeyVersionsResponse>;
  updateCryptoKeyVersion = (r: GcpRequest) =>
    this.invoke('UpdateCryptoKeyVersion', r) as Promise<CryptoKeyVersion>;
  destroyCryptoKeyVersion = (r: GcpRequest) =>
    this.invoke('DestroyCryptoKeyVersion', r) as Promise<CryptoKeyVersion>;
  restoreCryptoKeyVersion = (r: GcpRequest) =>
    this.invoke('RestoreCryptoKeyVersion', r) as Promise<CryptoKeyVersion>;
  encrypt = (r: GcpRequest) => this.invoke('Encrypt', r) as Promise<EncryptResponse>;
  decrypt = (r: GcpRequest) => this.invoke('Decrypt', r) as Promise<DecryptResponse>;
  generateRandomBytes = (r: GcpRequest) =>
    this.invoke('GenerateRandomBytes', r) as Promise<GenerateRandomBytesResponse>;

  /** This service's audit records as Cloud Audit Logs entries, oldest first. */
  auditLog(query: Omit<AuditQuery, 'service'> = {}): CloudAuditLogEntry[] {
    return this.core.auditLog({ ...query, service: GCP_SERVICE }).map(renderAuditEntry);
  }
}

function toFailure(error: unknown): ServiceFailure {
  let failure: GcpKmsError;
  if (error instanceof GcpKmsError) failure = error;
  else if (error instanceof InjectedFault && error.kind === 'throttle')
    failure = gcpError('RESOURCE_EXHAUSTED', `Quota exceeded (injected throttling): ${error.message}`);
  else if (error instanceof InjectedFault)
    failure =
      isGcpStatus(error.error ?? '') && error.error !== undefined
        ? gcpError(error.error as keyof typeof GCP_STATUS_CODES, error.message)
        : gcpError(
            'INTERNAL',
            `Injected fault '${error.error}' is not a Cloud KMS status; use one of ${Object.keys(GCP_STATUS_CODES).join(', ')}.`,
          );
  else failure = new GcpKmsError('INTERNAL', 'Internal error.', { cause: error });
  return { error: failure, code: failure.status, message: failure.message, httpStatus: failure.httpStatus };
}
