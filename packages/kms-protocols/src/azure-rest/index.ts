/**
 * `@envelope/kms-protocols/azure-rest`: the Azure Key Vault keys REST API (challenge-based bearer
 * auth) over the Azure service model, as a request listener and as an in-process `httpClient`.
 */
export {
  AZURE_VAULT_HOST_SUFFIX,
  type AzureRestOptions,
  type AzureRestRequest,
  type AzureRestResponse,
  azureChallengeResource,
  dispatchAzureRest,
  vaultOfHost,
} from './dispatch.js';
export { AzureInProcessHttpClient } from './in-process.js';
export { azureRestRequestListener, MAX_AZURE_BODY_BYTES } from './listener.js';
export { type AzureRoute, routeAzureRequest } from './routes.js';
export {
  type AzureEmulatorTokenClaims,
  type AzureEmulatorTokenOptions,
  AzureTokenError,
  audienceFromScope,
  createAzureEmulatorToken,
  verifyAzureEmulatorToken,
} from './token.js';
