import { EnvelopeError } from '@envelope/core';

/** HTTP statuses from the KMS model; every exception not listed is a 400. */
const HTTP_STATUS: Readonly<Partial<Record<string, number>>> = {
  KMSInternalException: 500,
  DependencyTimeoutException: 500,
  KeyUnavailableException: 500,
  DryRunOperationException: 412,
};

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
    this.httpStatus = HTTP_STATUS[exceptionName] ?? 400;
  }
}

/** Every AWS KMS exception name the emulator answers with. */
export const KMS_EXCEPTION_NAMES = [
  'NotFoundException',
  'DisabledException',
  'KMSInvalidStateException',
  'ValidationException',
  'InvalidCiphertextException',
  'IncorrectKeyException',
  'AccessDeniedException',
  'AlreadyExistsException',
  'InvalidAliasNameException',
  'InvalidArnException',
  'InvalidKeyUsageException',
  'InvalidMarkerException',
  'UnsupportedOperationException',
  'LimitExceededException',
  'InvalidGrantTokenException',
  'InvalidGrantIdException',
  'KMSInvalidSignatureException',
  'KMSInvalidMacException',
  'MalformedPolicyDocumentException',
  'TagException',
  'ThrottlingException',
  'KMSInternalException',
  'DependencyTimeoutException',
  'KeyUnavailableException',
  'UnknownOperationException',
  'SerializationException',
  'DryRunOperationException',
  'IncorrectKeyMaterialException',
  'ExpiredImportTokenException',
  'InvalidImportTokenException',
] as const;

export type KmsExceptionName = (typeof KMS_EXCEPTION_NAMES)[number];

export const isKmsExceptionName = (name: string): name is KmsExceptionName =>
  (KMS_EXCEPTION_NAMES as readonly string[]).includes(name);

export const kmsError = (name: KmsExceptionName, message: string): KmsError => new KmsError(name, message);

/** Members whose values are secrets: a validation error names them but never shows the value. */
const SECRET_MEMBERS: ReadonlySet<string> = new Set(['grantToken', 'grantTokens']);
/** Longest value a validation error echoes; longer ones are cut, so an error stays small. */
const MAX_ECHOED_CHARACTERS = 256;

/** AWS's "1 validation error detected" shape; `member` is the camelCase request member name. */
export function validationError(member: string, value: unknown, constraint: string): KmsError {
  return new KmsError(
    'ValidationException',
    `1 validation error detected: Value ${shownValue(member, value)} at '${member}' failed to satisfy constraint: ${constraint}`,
  );
}

function shownValue(member: string, value: unknown): string {
  if (value === undefined || value === null) return 'null';
  const text = String(value);
  if (SECRET_MEMBERS.has(member)) return `(${text.length} characters, not shown)`;
  if (text.length <= MAX_ECHOED_CHARACTERS) return `'${text}'`;
  return `'${text.slice(0, MAX_ECHOED_CHARACTERS)}…' (${text.length} characters)`;
}

export const notFound = (arn: string): KmsError =>
  kmsError('NotFoundException', `Key '${arn}' does not exist`);
export const aliasNotFound = (aliasArn: string): KmsError =>
  kmsError('NotFoundException', `Alias '${aliasArn}' is not found.`);
export const disabled = (arn: string): KmsError => kmsError('DisabledException', `${arn} is disabled.`);
export const invalidState = (arn: string, state: string): KmsError =>
  kmsError(
    'KMSInvalidStateException',
    state === 'PendingDeletion'
      ? `${arn} is pending deletion.`
      : state === 'PendingImport'
        ? `${arn} is pending import.`
        : `${arn} is ${state}.`,
  );
/** Deliberately says nothing about which check failed. */
export const invalidCiphertext = (): KmsError => kmsError('InvalidCiphertextException', '');
