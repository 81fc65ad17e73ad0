import { crc32c as computeCrc32c } from '@aws-crypto/crc32c';
import { invalidArgument } from './errors.js';
import type { Int64Value } from './messages.js';

/** CRC32C (Castagnoli) of the bytes, as Cloud KMS puts it in its `*_crc32c` Int64Value fields. */
export const crc32c = (data: Uint8Array): Int64Value => ({ value: String(computeCrc32c(data)) });

/**
 * Verifies an optional request checksum. A wrapper that is present counts as provided even when its
 * value is 0 (the zero default is still a checksum), so presence, not truthiness, decides. Returns
 * whether it was checked, which is what the response's `verified_*` flag reports.
 */
export function verifyChecksum(
  checksum: unknown,
  data: Uint8Array,
  checksumField: string,
  dataField: string,
): boolean {
  if (checksum === undefined || checksum === null) return false;
  const raw = typeof checksum === 'object' ? ((checksum as Int64Value).value ?? 0) : checksum;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < 0)
    throw invalidArgument(`${checksumField} must be a non-negative integer checksum.`);
  if (value !== computeCrc32c(data))
    throw invalidArgument(
      `The checksum in field ${checksumField} did not match the data in field ${dataField}.`,
    );
  return true;
}
