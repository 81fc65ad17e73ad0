import { parseAzureKeyId } from './key-id.js';

/** Provider id of the encrypted data keys this package writes (DESIGN §4: `azure-kv`). */
export const AZURE_KEY_VAULT_PROVIDER_ID = 'azure-kv';

/** Where a wrapped data key's master key lives, for `envelope inspect`. No secrets. */
export interface AzureMasterKeyDescription {
  readonly provider: string;
  readonly cloud: 'azure';
  /** The vault host, e.g. `contoso.vault.azure.net`. */
  readonly location: string;
  /** The versioned key id. */
  readonly key: string;
}

/**
 * Describes an encrypted data key written by the Azure Key Vault keyring, or returns undefined when
 * it is not one. Imports no SDK: load it from `@envelope/azure-keyvault/describe` to stay light.
 */
export function describeAzureKeyVaultKey(edk: {
  readonly providerId: string;
  readonly providerInfo: Uint8Array;
}): AzureMasterKeyDescription | undefined {
  if (edk.providerId !== AZURE_KEY_VAULT_PROVIDER_ID) return undefined;
  const id = parseAzureKeyId(Buffer.from(edk.providerInfo).toString('utf8'));
  if (!id) return undefined;
  return { provider: edk.providerId, cloud: 'azure', location: id.vaultHost, key: id.id };
}
