import { KeyringError, NotSupportedError } from '../errors.js';
import type { EncryptedDataKey } from '../format/encrypted-data-key.js';
import type { DecryptionMaterials } from '../materials/materials.js';

/**
 * Tries `unwrapOne` on each candidate in order and sets the first data key obtained. When every
 * candidate fails, throws one error that lists each failure, so no cause is lost. A local unwrap
 * (raw keyrings) may answer synchronously: it is then not awaited.
 */
export async function unwrapFirst(
  keyring: string,
  materials: DecryptionMaterials,
  candidates: readonly EncryptedDataKey[],
  unwrapOne: (edk: EncryptedDataKey) => Buffer | Promise<Buffer>,
): Promise<void> {
  const failures: Error[] = [];
  for (const edk of candidates) {
    let dataKey: Buffer | undefined;
    try {
      const unwrapped = unwrapOne(edk);
      // A Buffer is taken as it is; anything else (a promise of any realm, a thenable) is awaited.
      dataKey = Buffer.isBuffer(unwrapped) ? unwrapped : await unwrapped;
      materials.setDataKey(dataKey);
      return;
    } catch (error) {
      // Not a wrong key but an impossible operation: no other EDK of this keyring will fare better.
      if (error instanceof NotSupportedError) throw error;
      failures.push(error as Error);
    } finally {
      dataKey?.fill(0);
    }
  }
  if (failures.length > 0) {
    // The causes stay attached (not just their text), so callers can tell throttling from a wrong key.
    throw new KeyringError(
      `${keyring} could not decrypt any of its ${failures.length} encrypted data key(s): ${failures.map((f) => f.message).join('; ')}`,
      {
        cause:
          failures.length === 1
            ? failures[0]
            : new AggregateError(failures, 'every encrypted data key failed'),
      },
    );
  }
}
