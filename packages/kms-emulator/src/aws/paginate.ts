import { createHmac, timingSafeEqual } from 'node:crypto';
import { kmsError } from './errors.js';
import { type Input, optionalInt, optionalString } from './validate.js';

/** One page to read from the store: at most `limit` records after `after` (exclusive). */
export interface PageRequest {
  limit: number;
  after: string | undefined;
}

/**
 * Limit/Marker pagination as KMS does it, over keyset pages of the store. A marker is opaque to the
 * caller: the last name of the previous page and an HMAC (under a key derived from the root key) that
 * binds it to the listing it came from (operation, account, Region, key, principal). A marker that was
 * altered, forged or taken from another listing is refused with `InvalidMarkerException`, as AWS does
 * for a marker it did not issue, instead of resuming somewhere the caller chose.
 */
export function readPage(
  input: Input,
  listing: string,
  markerKey: Buffer,
  maxLimit = 1000,
  defaultLimit = 100,
): PageRequest {
  const limit = optionalInt(input, 'Limit', 1, maxLimit) ?? defaultLimit;
  const marker = optionalString(input, 'Marker', 1024);
  return { limit, after: marker === undefined ? undefined : openMarker(marker, listing, markerKey) };
}

/** `Truncated` and, when more records follow, the `NextMarker` that resumes after `next`. */
export function pageResult(
  next: string | undefined,
  listing: string,
  markerKey: Buffer,
): { Truncated: boolean; NextMarker?: string } {
  if (next === undefined) return { Truncated: false };
  const name = Buffer.from(next, 'utf8').toString('base64url');
  return { Truncated: true, NextMarker: `${name}.${tag(markerKey, listing, next).toString('base64url')}` };
}

const tag = (markerKey: Buffer, listing: string, after: string): Buffer =>
  createHmac('sha256', markerKey).update(listing).update('\0').update(after).digest().subarray(0, 16);

function openMarker(marker: string, listing: string, markerKey: Buffer): string {
  const [name, mac, ...rest] = marker.split('.');
  if (name && mac && rest.length === 0) {
    const after = Buffer.from(name, 'base64url').toString('utf8');
    const given = Buffer.from(mac, 'base64url');
    const expected = tag(markerKey, listing, after);
    if (given.length === expected.length && timingSafeEqual(given, expected)) return after;
  }
  throw kmsError(
    'InvalidMarkerException',
    'The request was rejected because the marker that specifies where pagination should next begin is not valid. Pass the NextMarker of the previous response of the same list call unchanged, or omit Marker to start from the first page.',
  );
}
