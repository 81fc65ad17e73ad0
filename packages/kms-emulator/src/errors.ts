import { EnvelopeError } from '@envelope/core';

/** The exceptions the KMS API reference lists with HTTP 500; every other one is a 400. */
const SERVER_FAULTS: ReadonlySet<string> = new Set([
  'KMSInternalException',
  'DependencyTimeoutException',
  'KeyUnavailableException',
]);

/**
 * An error the emulator returns exactly as AWS KMS would: `exceptionName` is the AWS `__type`
 * (also used as `name`, like SDK errors) and `httpStatus` the status AWS answers with.
 */
export class KmsError extends EnvelopeError {
  static override readonly code: string = 'ENVELOPE_KMS_ERROR';
  readonly exceptionName: KmsExceptionName;
  readonly httpStatus: number;

  constructor(exceptionName: KmsExceptionName, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.exceptionName = exceptionName;
    this.name = exceptionName;
    this.httpStatus = SERVER_FAULTS.has(exceptionName) ? 500 : 400;
  }
}

/**
 * The region the call was sent to is marked down by a fault. Not an AWS exception: transports turn it
 * into a connection-level failure (the socket never reaches KMS), so nothing is audited either.
 */
export class RegionUnavailableError extends EnvelopeError {
  static override readonly code: string = 'ENVELOPE_KMS_REGION_UNAVAILABLE';
  readonly region: string;

  constructor(region: string) {
    super(`connect ECONNREFUSED: the emulated KMS endpoint in region ${region} is unavailable`);
    this.region = region;
  }
}

export type KmsExceptionName =
  | 'NotFoundException'
  | 'DisabledException'
  | 'KMSInvalidStateException'
  | 'ValidationException'
  | 'InvalidCiphertextException'
  | 'IncorrectKeyException'
  | 'AccessDeniedException'
  | 'AlreadyExistsException'
  | 'InvalidAliasNameException'
  | 'InvalidArnException'
  | 'InvalidKeyUsageException'
  | 'InvalidMarkerException'
  | 'UnsupportedOperationException'
  | 'LimitExceededException'
  | 'InvalidGrantTokenException'
  | 'InvalidGrantIdException'
  | 'KMSInvalidSignatureException'
  | 'KMSInvalidMacException'
  | 'MalformedPolicyDocumentException'
  | 'TagException'
  | 'ThrottlingException'
  | 'KMSInternalException'
  | 'DependencyTimeoutException'
  | 'KeyUnavailableException'
  | 'UnknownOperationException'
  | 'SerializationException';

export const kmsError = (name: KmsExceptionName, message: string): KmsError => new KmsError(name, message);

/** AWS's "1 validation error detected" shape; `member` is the camelCase request member name. */
export function validationError(member: string, value: unknown, constraint: string): KmsError {
  const shown = value === undefined || value === null ? 'null' : `'${String(value)}'`;
  return new KmsError(
    'ValidationException',
    `1 validation error detected: Value ${shown} at '${member}' failed to satisfy constraint: ${constraint}`,
  );
}

export const notFound = (arn: string): KmsError =>
  kmsError('NotFoundException', `Key '${arn}' does not exist`);
export const aliasNotFound = (aliasArn: string): KmsError =>
  kmsError('NotFoundException', `Alias '${aliasArn}' is not found.`);
export const disabled = (arn: string): KmsError => kmsError('DisabledException', `${arn} is disabled.`);
export const invalidState = (arn: string, state: string): KmsError =>
  kmsError(
    'KMSInvalidStateException',
    state === 'PendingDeletion' ? `${arn} is pending deletion.` : `${arn} is ${state}.`,
  );
/** Deliberately says nothing about which check failed. */
export const invalidCiphertext = (): KmsError => kmsError('InvalidCiphertextException', '');
