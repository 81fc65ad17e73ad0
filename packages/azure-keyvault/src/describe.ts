import type { MasterKeyDescriber } from '@envelope/core';
import { parseAzureKeyId } from './key-id.js';

/** Provider id of the encrypted data keys this package writes (DESIGN §4: `azure-kv`). */
export const AZURE_KEY_VAULT_PROVIDER_ID = 'azure-kv';

/**
 * Describes an EDK written by the Azure Key Vault keyring: cloud `azure`, location the vault host,
 * key the versioned key id; undefined for any other EDK. Imports no SDK: load it from
 * `@envelope/azure-keyvault/describe` to stay light.
 */
export const describeAzureKeyVaultKey: MasterKeyDescriber = (edk) => {
  if (edk.providerId !== AZURE_KEY_VAULT_PROVIDER_ID) return undefined;
  const id = parseAzureKeyId(Buffer.from(edk.providerInfo).toString('utf8'));
  if (!id) return undefined;
  return { provider: edk.providerId, cloud: 'azure', location: id.vaultHost, key: id.id };
};
