import { InvalidArgumentError } from '@envelope/core';

/** A parsed Cloud KMS CryptoKey name: `projects/P/locations/L/keyRings/R/cryptoKeys/K`. */
export interface CryptoKeyName {
  readonly project: string;
  readonly location: string;
  readonly keyRing: string;
  readonly cryptoKey: string;
}

// Resource ids as Cloud KMS allows them: key rings and keys [a-zA-Z0-9_-]{1,63}; projects and
// locations are lower-case ids (a project may also be a number).
const CRYPTO_KEY =
  /^projects\/([a-z0-9][a-z0-9.:-]{0,62})\/locations\/([a-z0-9-]{1,63})\/keyRings\/([A-Za-z0-9_-]{1,63})\/cryptoKeys\/([A-Za-z0-9_-]{1,63})$/;

export function parseCryptoKeyName(value: string): CryptoKeyName | undefined {
  const m = CRYPTO_KEY.exec(value);
  if (!m) return undefined;
  return { project: m[1]!, location: m[2]!, keyRing: m[3]!, cryptoKey: m[4]! };
}

export function formatCryptoKeyName(name: CryptoKeyName): string {
  return `projects/${name.project}/locations/${name.location}/keyRings/${name.keyRing}/cryptoKeys/${name.cryptoKey}`;
}

/** True when `versionName` is `<cryptoKey>/cryptoKeyVersions/<n>`: a version of that very key. */
export function isVersionOf(versionName: string, cryptoKey: string): boolean {
  const prefix = `${cryptoKey}/cryptoKeyVersions/`;
  return versionName.startsWith(prefix) && /^[0-9]{1,20}$/.test(versionName.slice(prefix.length));
}

/** Refuses anything but a CryptoKey name, saying what to write instead. */
export function assertCryptoKeyName(value: unknown, purpose: string): asserts value is string {
  if (typeof value === 'string' && parseCryptoKeyName(value)) return;
  const text = typeof value === 'string' ? JSON.stringify(value.slice(0, 300)) : typeof value;
  const hint =
    typeof value === 'string' && /\/cryptoKeyVersions\//.test(value)
      ? ' Name the CryptoKey, not a version (drop /cryptoKeyVersions/…): Encrypt uses its primary version and the ciphertext names the version for Decrypt.'
      : '';
  throw new InvalidArgumentError(
    `${purpose} must be a Cloud KMS CryptoKey name projects/<project>/locations/<location>/keyRings/<keyRing>/cryptoKeys/<key>; got ${text}.${hint}`,
  );
}
