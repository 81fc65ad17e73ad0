export { type AzureDiagnosticLogEntry, renderAuditEntry as renderAzureAuditEntry } from './audit-log.js';
export {
  AZURE_ERROR_STATUS,
  type AzureErrorCode,
  AzureKeyVaultError,
  isAzureErrorCode,
} from './errors.js';
export { checkVaultName as checkAzureVaultName, isVaultName as isAzureVaultName } from './names.js';
export type { AzurePage, AzureRequest } from './operation.js';
export {
  AZURE_KEY_OPERATIONS,
  AZURE_SERVICE,
  type AzureCallContext,
  AzureKeyVaultService,
  type AzureKeyVaultServiceOptions,
} from './service.js';
