export {
  AZURE_KEY_WRAP_ALGORITHMS,
  AzureKeyVaultKeyring,
  type AzureKeyVaultKeyringOptions,
} from './azure-keyvault-keyring.js';
export {
  type AzureClientSupplier,
  type AzureKeyClient,
  type AzureKeyWrapAlgorithm,
  type CachingCryptographyClientsOptions,
  cachingCryptographyClients,
} from './client-supplier.js';
export { azureKeyVaultAdapter, azureKeyVaultModule, keyringPackage } from './container-module.js';
export {
  AZURE_KEY_VAULT_PROVIDER_ID,
  describeAzureKeyVaultKey,
  MALFORMED_AZURE_KEY_LOCATION,
} from './describe.js';
export { azureEmulatorClient } from './emulator-client.js';
export { EmulatorCredential } from './emulator-credential.js';
export {
  type AzureClientSettings,
  type AzureEmulatorOptions,
  azureClientOptions,
} from './emulator-options.js';
export { AzureKeyVaultError, normalizeAzureError } from './errors.js';
export { type AzureKeyId, assertAzureKeyId, azureKeyMatches, parseAzureKeyId } from './key-id.js';
export {
  AZURE_DEFAULT_TOTAL_TIMEOUT_MS,
  AzureCallTimeoutError,
  type AzureRetryOptions,
  isRetryableAzureError,
  withAzureRetry,
} from './retry.js';
