import { InvalidArgumentError } from '@envelope/core';

/** A Key Vault (or Managed HSM) key identifier, split into its parts. */
export interface AzureKeyId {
  /** `https://<vault host>[:port]`, no trailing slash. */
  readonly vaultUrl: string;
  /** The vault host name (and port when it is not 443), e.g. `contoso.vault.azure.net`. */
  readonly vaultHost: string;
  readonly name: string;
  /** The version (32 hex characters in Azure), or undefined for "the latest version". */
  readonly version: string | undefined;
  /** The id as Azure writes it: `<vaultUrl>/keys/<name>[/<version>]`. */
  readonly id: string;
}

const NAME = /^[0-9A-Za-z-]{1,127}$/;
const VERSION = /^[0-9A-Za-z]{1,64}$/;

/**
 * Parses `https://<vault>/keys/<name>[/<version>]`, or returns undefined when the text is not a key
 * id. Pure (no SDK), so `inspect` can use it without loading `@azure/keyvault-keys`.
 */
export function parseAzureKeyId(text: string): AzureKeyId | undefined {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'https:' || url.search || url.hash || url.username || url.password) return undefined;
  const parts = url.pathname.split('/').slice(1);
  if (parts.at(-1) === '') parts.pop();
  if (parts[0] !== 'keys' || parts.length < 2 || parts.length > 3) return undefined;
  const [, name, version] = parts as [string, string, string | undefined];
  if (!NAME.test(name) || (version !== undefined && !VERSION.test(version))) return undefined;
  const vaultUrl = `https://${url.host}`;
  return {
    vaultUrl,
    vaultHost: url.host,
    name,
    version,
    id: `${vaultUrl}/keys/${name}${version ? `/${version}` : ''}`,
  };
}

/** Like {@link parseAzureKeyId}, but a bad id is an {@link InvalidArgumentError} naming `field`. */
export function assertAzureKeyId(text: string, field: string): AzureKeyId {
  const id = parseAzureKeyId(text);
  if (!id) {
    throw new InvalidArgumentError(
      `${field} "${text}" is not an Azure Key Vault key id: expected https://<vault>.vault.azure.net/keys/<name>[/<version>].`,
    );
  }
  return id;
}

/**
 * Whether `edkKeyId` (always versioned) belongs to the configured key: same vault and name, and the
 * same version when the configured id names one. Host names compare case-insensitively (URL does).
 */
export function azureKeyMatches(configured: AzureKeyId, edkKeyId: AzureKeyId): boolean {
  return (
    configured.vaultHost === edkKeyId.vaultHost &&
    configured.name === edkKeyId.name &&
    edkKeyId.version !== undefined &&
    (configured.version === undefined || configured.version === edkKeyId.version)
  );
}
