import { crc32c as computeCrc32c } from '@aws-crypto/crc32c';

/** CRC32C (Castagnoli) of `data`, as Cloud KMS computes its `*_crc32c` fields. */
export function crc32c(data: Uint8Array): number {
  return computeCrc32c(data);
}

/**
 * The value of a `google.protobuf.Int64Value` as the client hands it back: a number, a decimal
 * string (REST, proto3 JSON), a Long (gRPC), or absent.
 */
export function int64Value(field: { value?: unknown } | null | undefined): number | undefined {
  const value = field?.value;
  if (value === undefined || value === null) return undefined;
  const n = Number(typeof value === 'object' ? String(value) : value);
  return Number.isSafeInteger(n) ? n : undefined;
}
