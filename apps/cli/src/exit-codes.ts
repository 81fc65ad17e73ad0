import {
  BodyFormatError,
  ConfigError,
  DecryptionFailedError,
  EncryptionContextMismatchError,
  EnvelopeError,
  HeaderFormatError,
  InvalidArgumentError,
  KeyringError,
  NoDataKeyError,
} from '@envelope/core';

/** Exit codes of the `envelope` command (documented in docs/cli.md). */
export const ExitCode = {
  OK: 0,
  FAILURE: 1,
  USAGE: 2,
  CONFIG: 3,
  /** The input is not an intact, authentic message (damaged, truncated, trailing bytes, bad tag or signature). */
  NOT_AUTHENTIC: 4,
  NO_KEY_ACCESS: 5,
  OUTPUT_EXISTS: 6,
  IO: 7,
} as const;

export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
    readonly hint?: string,
  ) {
    super(message);
  }
}

/** One line that says what failed, an exit code, and a hint on what to do. */
export function describeFailure(error: unknown): { message: string; exitCode: number; hint?: string } {
  if (error instanceof CliError) {
    return { message: error.message, exitCode: error.exitCode, ...(error.hint ? { hint: error.hint } : {}) };
  }
  const message = oneLine((error as Error)?.message ?? String(error));
  if (error instanceof ConfigError)
    return { message, exitCode: ExitCode.CONFIG, hint: 'check the file named above' };
  if (
    error instanceof DecryptionFailedError ||
    error instanceof HeaderFormatError ||
    error instanceof BodyFormatError ||
    error instanceof EncryptionContextMismatchError
  ) {
    return {
      message,
      exitCode: ExitCode.NOT_AUTHENTIC,
      hint: 'the input is damaged, truncated or altered, or is not for this context',
    };
  }
  if (error instanceof NoDataKeyError || error instanceof KeyringError) {
    return {
      message,
      exitCode: ExitCode.NO_KEY_ACCESS,
      hint: 'check the keyring in --config and your access to its keys',
    };
  }
  if (error instanceof InvalidArgumentError) return { message, exitCode: ExitCode.USAGE };
  if (error instanceof EnvelopeError) return { message, exitCode: ExitCode.FAILURE };
  const code = (error as NodeJS.ErrnoException)?.code;
  if (code && /^E[A-Z]+$/.test(code)) return { message, exitCode: ExitCode.IO };
  return { message, exitCode: ExitCode.FAILURE };
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, '; ');
}
