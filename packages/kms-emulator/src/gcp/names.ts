import { invalidArgument } from './errors.js';

/** Key ring and crypto key ids: 1 to 63 characters of letters, digits, `_` and `-` (Cloud KMS resource id rule). */
const RESOURCE_ID = /^[a-zA-Z0-9_-]{1,63}$/;
/** Project ids and location ids as they appear in names: one path segment of the safe characters. */
const SEGMENT = /^[a-zA-Z0-9_.:-]{1,100}$/;

export interface LocationName {
  project: string;
  location: string;
  /** `projects/<p>/locations/<l>`: also the fault and audit location. */
  name: string;
}

export interface KeyRingName extends LocationName {
  keyRing: string;
  keyRingName: string;
}

export interface CryptoKeyName extends KeyRingName {
  cryptoKey: string;
  cryptoKeyName: string;
}

export interface VersionName extends CryptoKeyName {
  version: number;
  versionName: string;
}

const segments = (name: unknown, field: string): string[] => {
  if (typeof name !== 'string' || name === '') throw invalidArgument(`${field} is required.`);
  return name.split('/');
};

const malformed = (field: string, name: string, shape: string): Error =>
  invalidArgument(`${field} '${name.slice(0, 300)}' is not a valid resource name: expected ${shape}.`);

export function parseLocation(name: unknown, field = 'name'): LocationName {
  const parts = segments(name, field);
  const [p, project, l, location] = parts;
  if (
    parts.length !== 4 ||
    p !== 'projects' ||
    l !== 'locations' ||
    !SEGMENT.test(project ?? '') ||
    !SEGMENT.test(location ?? '')
  )
    throw malformed(field, String(name), 'projects/{project}/locations/{location}');
  return {
    project: project as string,
    location: location as string,
    name: `projects/${project}/locations/${location}`,
  };
}

export function parseKeyRing(name: unknown, field = 'name'): KeyRingName {
  const parts = segments(name, field);
  if (parts.length !== 6 || parts[4] !== 'keyRings' || !RESOURCE_ID.test(parts[5] ?? ''))
    throw malformed(field, String(name), 'projects/{project}/locations/{location}/keyRings/{key_ring}');
  const location = parseLocation(parts.slice(0, 4).join('/'), field);
  return { ...location, keyRing: parts[5] as string, keyRingName: parts.join('/') };
}

export function parseCryptoKey(name: unknown, field = 'name'): CryptoKeyName {
  const parts = segments(name, field);
  if (parts.length !== 8 || parts[6] !== 'cryptoKeys' || !RESOURCE_ID.test(parts[7] ?? ''))
    throw malformed(
      field,
      String(name),
      'projects/{project}/locations/{location}/keyRings/{key_ring}/cryptoKeys/{crypto_key}',
    );
  const keyRing = parseKeyRing(parts.slice(0, 6).join('/'), field);
  return { ...keyRing, cryptoKey: parts[7] as string, cryptoKeyName: parts.join('/') };
}

export function parseVersion(name: unknown, field = 'name'): VersionName {
  const parts = segments(name, field);
  const id = parts[9] ?? '';
  if (
    parts.length !== 10 ||
    parts[8] !== 'cryptoKeyVersions' ||
    !/^[1-9][0-9]{0,9}$/.test(id) ||
    Number(id) > 0xffffffff
  )
    throw malformed(
      field,
      String(name),
      'projects/{project}/locations/{location}/keyRings/{key_ring}/cryptoKeys/{crypto_key}/cryptoKeyVersions/{version}',
    );
  const key = parseCryptoKey(parts.slice(0, 8).join('/'), field);
  return { ...key, version: Number(id), versionName: parts.join('/') };
}

/** Checks a new key ring or crypto key id (`key_ring_id`, `crypto_key_id`). */
export function checkResourceId(id: unknown, field: string): string {
  if (typeof id !== 'string' || !RESOURCE_ID.test(id))
    throw invalidArgument(
      `${field} '${String(id ?? '').slice(0, 100)}' is invalid: it must be 1 to 63 characters from [a-zA-Z0-9_-].`,
    );
  return id;
}

/** The location part of any Cloud KMS name, for faults and audit before the name is validated. */
export function locationOf(name: unknown): string {
  const match = typeof name === 'string' ? /^projects\/[^/]+\/locations\/[^/]+/.exec(name) : null;
  return match ? match[0] : 'unknown';
}

/**
 * Store key of a version: the key name and a zero-padded id, so the store's name order is the
 * numeric version order and keyset pagination stays correct past version 9.
 */
export const versionStoreKey = (cryptoKeyName: string, version: number): string =>
  `${cryptoKeyName}/cryptoKeyVersions/${String(version).padStart(10, '0')}`;
