import { EnvelopeError } from '@envelope/core';

/** The canonical Google API status codes (google.rpc.Code), as gRPC numbers them. */
export const GCP_STATUS_CODES = {
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  OUT_OF_RANGE: 11,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  DATA_LOSS: 15,
  UNAUTHENTICATED: 16,
} as const;

export type GcpStatus = keyof typeof GCP_STATUS_CODES;

/** The HTTP status Google's REST surface answers with for each code (google/rpc/code.proto). */
const HTTP_STATUS: Readonly<Record<GcpStatus, number>> = {
  CANCELLED: 499,
  UNKNOWN: 500,
  INVALID_ARGUMENT: 400,
  DEADLINE_EXCEEDED: 504,
  NOT_FOUND: 404,
  ALREADY_EXISTS: 409,
  PERMISSION_DENIED: 403,
  RESOURCE_EXHAUSTED: 429,
  FAILED_PRECONDITION: 400,
  ABORTED: 409,
  OUT_OF_RANGE: 400,
  UNIMPLEMENTED: 501,
  INTERNAL: 500,
  UNAVAILABLE: 503,
  DATA_LOSS: 500,
  UNAUTHENTICATED: 401,
};

export const isGcpStatus = (name: string): name is GcpStatus => Object.hasOwn(GCP_STATUS_CODES, name);

/**
 * An error the emulator answers exactly as Cloud KMS would: `status` is the canonical code name
 * (`INVALID_ARGUMENT`), `grpcCode` its number and `httpStatus` the REST status. Messages never
 * carry plaintext, ciphertext or key material.
 */
export class GcpKmsError extends EnvelopeError {
  static override readonly code: string = 'ENVELOPE_GCP_KMS_ERROR';
  readonly status: GcpStatus;
  readonly grpcCode: number;
  readonly httpStatus: number;

  constructor(status: GcpStatus, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.status = status;
    this.grpcCode = GCP_STATUS_CODES[status];
    this.httpStatus = HTTP_STATUS[status];
  }
}

export const gcpError = (status: GcpStatus, message: string): GcpKmsError => new GcpKmsError(status, message);

export const invalidArgument = (message: string): GcpKmsError => gcpError('INVALID_ARGUMENT', message);

export const notFound = (kind: string, name: string): GcpKmsError =>
  gcpError('NOT_FOUND', `${kind} ${name} not found.`);

export const notEnabled = (versionName: string, state: string): GcpKmsError =>
  gcpError('FAILED_PRECONDITION', `${versionName} is not enabled, current state is: ${state}.`);

/** Cloud KMS's one answer to any ciphertext it cannot open under the named key. */
export const DECRYPTION_FAILED = "Decryption failed: verify that 'name' refers to the correct CryptoKey.";
