/**
 * One typed error hierarchy for every Envelope package.
 *
 * Each class has a stable `code` (static and on the instance) that callers can switch on; messages
 * say what was wrong and how to fix it. Decryption failures deliberately stay vague about *which*
 * check failed (tag, commitment, signature) so a caller of decrypt learns nothing an attacker could
 * use; the class and code are the contract, the message is for humans.
 *
 * Secrets never appear in an error: no key bytes, no plaintext.
 */
export class EnvelopeError extends Error {
  static readonly code: string = 'ENVELOPE_ERROR';
  readonly code: string;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = (new.target as typeof EnvelopeError).code;
  }
}

/** A caller passed an argument that can never work (bad key length, unknown suite, reserved context key). */
export class InvalidArgumentError extends EnvelopeError {
  static override readonly code: string = 'ENVELOPE_INVALID_ARGUMENT';
}

/** The message header could not be parsed: names the field and its byte offset. */
export class HeaderFormatError extends EnvelopeError {
  static override readonly code: string = 'ENVELOPE_HEADER_INVALID';
  readonly field: string;
  readonly offset: number;

  constructor(field: string, offset: number, problem: string) {
    super(`Invalid message header: ${field} at byte ${offset} ${problem}`);
    this.field = field;
    this.offset = offset;
  }
}

/** The message body or footer is malformed (bad sequence number, truncated frame, trailing bytes). */
export class BodyFormatError extends EnvelopeError {
  static override readonly code: string = 'ENVELOPE_BODY_INVALID';
}

/** A limit configured to protect the reader was exceeded (EDK count, frame length, content length). */
export class LimitExceededError extends EnvelopeError {
  static override readonly code: string = 'ENVELOPE_LIMIT_EXCEEDED';
}

/** The algorithm suite is known but forbidden by the commitment policy, or not supported here. */
export class UnsupportedSuiteError extends EnvelopeError {
  static override readonly code: string = 'ENVELOPE_UNSUPPORTED_SUITE';
}

/** The message is well formed but did not authenticate. The message never says which check failed. */
export class DecryptionFailedError extends EnvelopeError {
  static override readonly code: string = 'ENVELOPE_DECRYPTION_FAILED';

  constructor(options?: { cause?: unknown }) {
    super('Decryption failed: the message or its encryption context is not authentic.', options);
  }
}

/** No keyring could obtain the data key from any of the message's encrypted data keys. */
export class NoDataKeyError extends EnvelopeError {
  static override readonly code: string = 'ENVELOPE_NO_DATA_KEY';
  /** One entry per keyring or encrypted data key that was tried, in order. */
  readonly failures: readonly KeyringFailure[];

  constructor(message: string, failures: readonly KeyringFailure[] = []) {
    const detail = failures.length
      ? `\n${failures.map((f) => `  - ${f.keyring}: ${f.error.message}`).join('\n')}`
      : '';
    super(`${message}${detail}`);
    this.failures = failures;
  }
}

export interface KeyringFailure {
  /** Human-readable name of the keyring or master key that failed. */
  readonly keyring: string;
  readonly error: Error;
}

/** A keyring could not wrap or unwrap a data key (a KMS call failed, a key is disabled …). */
export class KeyringError extends EnvelopeError {
  static override readonly code: string = 'ENVELOPE_KEYRING_FAILED';
}

/**
 * A multi-keyring that accepts a message when at least N master keys wrapped it got fewer than N.
 * `failures` names each keyring that failed and why; nothing was written.
 */
export class TooFewWrapsError extends KeyringError {
  static override readonly code: string = 'ENVELOPE_TOO_FEW_WRAPS';
  readonly failures: readonly KeyringFailure[];
  readonly wrapped: number;
  readonly required: number;

  constructor(description: string, wrapped: number, required: number, failures: readonly KeyringFailure[]) {
    const detail = failures.map((f) => `\n  - ${f.keyring}: ${f.error.message}`).join('');
    super(
      `${description} wrapped the data key under ${wrapped} master key(s), fewer than minimumWraps ${required}; nothing was written.${detail}`,
    );
    this.failures = failures;
    this.wrapped = wrapped;
    this.required = required;
  }
}

/** Decrypt was asked to require encryption-context pairs that the message does not carry. */
export class EncryptionContextMismatchError extends EnvelopeError {
  static override readonly code: string = 'ENVELOPE_ENCRYPTION_CONTEXT_MISMATCH';
}

/** An operation is not possible in this environment (for example RSA PKCS#1 v1.5 decryption on Node 20+). */
export class NotSupportedError extends EnvelopeError {
  static override readonly code: string = 'ENVELOPE_NOT_SUPPORTED';
}

/** Configuration could not be loaded or validated. */
export class ConfigError extends EnvelopeError {
  static override readonly code: string = 'ENVELOPE_CONFIG_INVALID';
}

/** A frame worker thread of the parallel mode failed or stopped; the stream was abandoned. */
export class WorkerFailedError extends EnvelopeError {
  static override readonly code: string = 'ENVELOPE_WORKER_FAILED';
}
