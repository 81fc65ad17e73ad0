import { kmsError } from '../errors.js';
import { type Input, optionalInt, optionalString } from './validate.js';

/** Limit/Marker pagination as KMS does it; the marker is an opaque offset. */
export function paginate<T>(items: T[], input: Input, maxLimit = 1000, defaultLimit = 100) {
  const limit = optionalInt(input, 'Limit', 1, maxLimit) ?? defaultLimit;
  const marker = optionalString(input, 'Marker', 1024);
  let start = 0;
  if (marker !== undefined) {
    start = Number.parseInt(
      Buffer.from(marker, 'base64url')
        .toString('utf8')
        .replace(/^offset:/, ''),
      10,
    );
    if (!Number.isInteger(start) || start < 0 || start > items.length) {
      throw kmsError('InvalidMarkerException', 'The marker is invalid');
    }
  }
  const page = items.slice(start, start + limit);
  const next = start + limit;
  return next < items.length
    ? { page, Truncated: true, NextMarker: Buffer.from(`offset:${next}`, 'utf8').toString('base64url') }
    : { page, Truncated: false };
}
