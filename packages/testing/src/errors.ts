import { EnvelopeError } from '@envelope/core';

/** An emulator handle from `useEmulator` was used before its `before`/`beforeAll` hook ran, or after it stopped. */
export class EmulatorNotRunningError extends EnvelopeError {
  static override readonly code: string = 'ENVELOPE_EMULATOR_NOT_RUNNING';
}
