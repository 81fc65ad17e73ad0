/**
 * Wire protocols of the Envelope KMS emulator. Each protocol lives in its own folder (`aws-json/`,
 * `gcp-rest/`, `gcp-grpc/`, `azure-rest/`) as one codec plus dispatch over the emulator's service
 * models; sockets, TLS and routing belong to `@envelope/kms-server`.
 */
export const KMS_PROTOCOLS_PACKAGE = '@envelope/kms-protocols';

// Azure Key Vault: the keys REST API (challenge-based bearer auth) over the Azure service model.
export {
  AZURE_VAULT_HOST_SUFFIX,
  type AzureRestOptions,
  type AzureRestRequest,
  type AzureRestResponse,
  azureChallengeResource,
  dispatchAzureRest,
  vaultOfHost,
} from './azure-rest/dispatch.js';
export { AzureInProcessHttpClient } from './azure-rest/in-process.js';
export { azureRestRequestListener, MAX_AZURE_BODY_BYTES } from './azure-rest/listener.js';
export { type AzureRoute, routeAzureRequest } from './azure-rest/routes.js';
export {
  type AzureEmulatorTokenClaims,
  type AzureEmulatorTokenOptions,
  AzureTokenError,
  audienceFromScope,
  createAzureEmulatorToken,
  verifyAzureEmulatorToken,
} from './azure-rest/token.js';
