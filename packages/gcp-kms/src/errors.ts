import { KeyringError } from '@envelope/core';

/** gRPC status codes (google.rpc.Code), which both transports of `@google-cloud/kms` report. */
export const GRPC_STATUS = [
  'OK',
  'CANCELLED',
  'UNKNOWN',
  'INVALID_ARGUMENT',
  'DEADLINE_EXCEEDED',
  'NOT_FOUND',
  'ALREADY_EXISTS',
  'PERMISSION_DENIED',
  'RESOURCE_EXHAUSTED',
  'FAILED_PRECONDITION',
  'ABORTED',
  'OUT_OF_RANGE',
  'UNIMPLEMENTED',
  'INTERNAL',
  'UNAVAILABLE',
  'DATA_LOSS',
  'UNAUTHENTICATED',
] as const;
export type GrpcStatusName = (typeof GRPC_STATUS)[number];

/**
 * A Cloud KMS call failed. A {@link KeyringError} like every KMS failure (aws-kms uses the same
 * class), with the gRPC status whichever transport carried the call, so callers can switch on it.
 */
export class GcpKmsError extends KeyringError {
  readonly status: GrpcStatusName;
  readonly retryable: boolean;

  constructor(message: string, status: GrpcStatusName, options?: { cause?: unknown }) {
    super(message, options);
    this.status = status;
    this.retryable = isRetryableStatus(status);
  }
}

/**
 * Cloud KMS answered, but the answer failed an end-to-end integrity check (a CRC32C mismatch, a
 * request checksum the server did not verify, or a response for another key). The data key it
 * carried, if any, was discarded.
 */
export class KmsIntegrityError extends KeyringError {
  static override readonly code: string = 'ENVELOPE_KMS_INTEGRITY_FAILED';
  /** A response corrupted on the way back is worth one more request; the other checks are not. */
  readonly retryable: boolean;

  constructor(message: string, retryable: boolean) {
    super(message);
    this.retryable = retryable;
  }
}

/**
 * Transient: the location is unavailable or overloaded, or the call was aborted by the service.
 * DEADLINE_EXCEEDED from the service is retried too; the keyring's own deadline is not (no time left).
 */
const RETRYABLE = new Set<GrpcStatusName>([
  'UNAVAILABLE',
  'RESOURCE_EXHAUSTED',
  'DEADLINE_EXCEEDED',
  'ABORTED',
  'INTERNAL',
]);

export function isRetryableStatus(status: GrpcStatusName): boolean {
  return RETRYABLE.has(status);
}

/** What to tell the user to do, by status. */
const ADVICE: Partial<Record<GrpcStatusName, string>> = {
  NOT_FOUND: 'check the CryptoKey name (project, location, key ring, key) and that it exists',
  PERMISSION_DENIED:
    'grant the caller roles/cloudkms.cryptoKeyEncrypterDecrypter on the key, and check the key ring is in this project',
  UNAUTHENTICATED:
    'check the credentials (GOOGLE_APPLICATION_CREDENTIALS or gcloud auth application-default login)',
  FAILED_PRECONDITION:
    'the key or its primary version is not enabled (disabled or scheduled for destruction)',
  INVALID_ARGUMENT:
    'Cloud KMS refused the request; for Decrypt this also means the wrong key or encryption context',
  UNAVAILABLE: 'the location is unavailable; a multi-keyring falls over to its other keys',
  RESOURCE_EXHAUSTED: 'quota or rate limit exceeded; retry later or raise the quota',
  DEADLINE_EXCEEDED: 'no answer in time; raise timeoutMs if the network is slow',
};

const HTTP_TO_STATUS: Record<number, GrpcStatusName> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  409: 'ABORTED',
  412: 'FAILED_PRECONDITION',
  416: 'OUT_OF_RANGE',
  429: 'RESOURCE_EXHAUSTED',
  499: 'CANCELLED',
  501: 'UNIMPLEMENTED',
  503: 'UNAVAILABLE',
  504: 'DEADLINE_EXCEEDED',
};

/** Node socket errors: the request never reached a server. */
const CONNECTION = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);

interface ErrorShape {
  name?: unknown;
  message?: unknown;
  code?: unknown;
  status?: unknown;
  httpStatusCode?: unknown;
  details?: unknown;
  response?: { status?: unknown; data?: unknown };
  cause?: unknown;
}

function statusByName(value: unknown): GrpcStatusName | undefined {
  return typeof value === 'string' && (GRPC_STATUS as readonly string[]).includes(value)
    ? (value as GrpcStatusName)
    : undefined;
}

function statusByHttp(value: unknown): GrpcStatusName | undefined {
  if (typeof value !== 'number' || value < 400) return undefined;
  return HTTP_TO_STATUS[value] ?? (value >= 500 ? 'INTERNAL' : 'FAILED_PRECONDITION');
}

/** The `{ error: { code, status, message } }` body of a Google REST error, if the error carries one. */
function restErrorBody(e: ErrorShape): { status?: unknown; code?: unknown; message?: unknown } | undefined {
  let data = e.response?.data;
  if (typeof data === 'string') {
    try {
      data = JSON.parse(data);
    } catch {
      return undefined;
    }
  }
  const body = (data as { error?: unknown } | undefined)?.error;
  return body && typeof body === 'object'
    ? (body as { status?: unknown; code?: unknown; message?: unknown })
    : undefined;
}

/**
 * The gRPC status of an error from either transport of `@google-cloud/kms`: a gRPC `ServiceError` or
 * `GoogleError` (numeric `code`), a REST `GoogleError` from the fallback (numeric `code`, and
 * `httpStatusCode`), a `GaxiosError` (HTTP `status`, a Google error body), or a socket error.
 */
export function grpcStatusOf(error: unknown): GrpcStatusName {
  const e = (error ?? {}) as ErrorShape;
  if (typeof e.code === 'number' && Number.isInteger(e.code) && e.code > 0 && e.code < GRPC_STATUS.length) {
    return GRPC_STATUS[e.code]!;
  }
  const body = restErrorBody(e);
  const named = statusByName(body?.status) ?? statusByName(e.status) ?? statusByName(e.code);
  if (named) return named;
  const http =
    statusByHttp(body?.code) ??
    statusByHttp(e.status) ??
    statusByHttp(e.response?.status) ??
    statusByHttp(e.httpStatusCode);
  if (http) return http;
  if (typeof e.code === 'string' && CONNECTION.has(e.code)) return 'UNAVAILABLE';
  if (e.name === 'AbortError' || e.name === 'TimeoutError') return 'DEADLINE_EXCEEDED';
  if (e.cause && e.cause !== error) return grpcStatusOf(e.cause);
  return 'UNKNOWN';
}

function messageOf(error: unknown): string {
  const e = (error ?? {}) as ErrorShape;
  const body = restErrorBody(e);
  const text =
    typeof body?.message === 'string'
      ? body.message
      : typeof e.message === 'string'
        ? e.message
        : String(error);
  // gRPC messages start with "<code> <STATUS>: "; the status is printed on its own.
  return text
    .replace(/^\d+ [A-Z_]+: /, '')
    .split('\n')[0]!
    .slice(0, 500);
}

/** One Cloud KMS failure as a {@link GcpKmsError} naming the operation, the key, the status and what to do. */
export function normalizeGcpError(error: unknown, operation: string, keyName: string): KeyringError {
  if (error instanceof KeyringError) return error;
  const status = grpcStatusOf(error);
  const advice = ADVICE[status];
  return new GcpKmsError(
    `Cloud KMS ${operation} with ${keyName} failed: ${status}: ${messageOf(error)}${advice ? ` (${advice})` : ''}`,
    status,
    { cause: error },
  );
}
