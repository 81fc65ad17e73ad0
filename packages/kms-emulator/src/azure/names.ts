import { randomBytes } from 'node:crypto';
import { badParameter } from './errors.js';

/** Key names: 1-127 characters, letters, digits and dashes (Key Vault object name rule). */
const KEY_NAME = /^[0-9A-Za-z-]{1,127}$/;
/** Vault names: 3-24 characters, letters, digits and dashes, starting with a letter, not ending with a dash. */
const VAULT_NAME = /^[A-Za-z](?:[A-Za-z0-9]|-(?!-)){1,22}[A-Za-z0-9]$/;
/** Version ids: 32 lower-case hex characters, as Key Vault issues them. */
const VERSION_ID = /^[0-9a-f]{32}$/;

export function checkKeyName(name: string): string {
  if (!KEY_NAME.test(name)) throw badParameter(`The request URI contains an invalid name: ${name}`);
  return name;
}

export const isVaultName = (name: string): boolean => VAULT_NAME.test(name);

export function checkVaultName(name: string): string {
  if (!isVaultName(name))
    throw badParameter(
      `Invalid vault name '${name}': 3-24 letters, digits and single dashes, starting with a letter and ending with a letter or digit.`,
    );
  return name.toLowerCase();
}

export const isVersionId = (version: string): boolean => VERSION_ID.test(version);

export const newVersionId = (): string => randomBytes(16).toString('hex');

export const keyResource = (vault: string, name: string): string => `${vault}/${name}`;
export const versionResource = (vault: string, name: string, version: string): string =>
  `${vault}/${name}/${version}`;

/** The vault URL a key id is rendered under when the caller gives none. */
export const defaultVaultUrl = (vault: string): string => `https://${vault}.vault.localhost`;

export const keyId = (vaultUrl: string, name: string, version?: string): string =>
  `${vaultUrl}/keys/${name}${version ? `/${version}` : ''}`;
