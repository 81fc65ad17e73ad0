import { describeCloudMasterKey, type MasterKeyDescriber } from '@envelope/core';
import { parseAzureKeyId } from './key-id.js';

/** Provider id of the encrypted data keys this package writes (DESIGN §4: `azure-kv`). */
export const AZURE_KEY_VAULT_PROVIDER_ID = 'azure-kv';

/** Shown as the location of an `azure-kv` EDK whose provider info is not a Key Vault key id. */
export const MALFORMED_AZURE_KEY_LOCATION = '(malformed: provider info is not a Key Vault key id)';

/**
 * Describes an EDK written by the Azure Key Vault keyring: cloud `azure`, location the vault host,
 * key the versioned key id. Provider info that is not a key id (only printable ASCII is taken as
 * one: the URL parser would silently drop tabs and newlines) is described as malformed, at most 256
 * bytes of it shown — the header is unauthenticated input and `inspect` shows it as what it claims
 * to be, never crashes. Undefined for any other provider. Imports no SDK: load it from
 * `@envelope/azure-keyvault/describe` to stay light.
 */
export const describeAzureKeyVaultKey: MasterKeyDescriber = (edk) => {
  if (edk.providerId !== AZURE_KEY_VAULT_PROVIDER_ID) return undefined;
  return describeCloudMasterKey(edk, {
    cloud: 'azure',
    malformedLocation: MALFORMED_AZURE_KEY_LOCATION,
    parse(text) {
      const id = /^[\x21-\x7e]+$/.test(text) ? parseAzureKeyId(text) : undefined;
      return id && { location: id.vaultHost, key: id.id };
    },
  });
};
