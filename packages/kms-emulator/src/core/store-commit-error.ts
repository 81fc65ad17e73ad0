import { EnvelopeError } from '@envelope/core';

/**
 * The store could not commit a group of calls (disk full, I/O error): none of their writes or audit
 * records was kept, and every call of the group fails with this instead of being acknowledged.
 */
export class StoreCommitError extends EnvelopeError {
  static override readonly code: string = 'ENVELOPE_KMS_STORE_COMMIT_FAILED';
}
