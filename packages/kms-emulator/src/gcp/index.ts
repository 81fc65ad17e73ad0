export { type CloudAuditLogEntry, renderAuditEntry } from './audit-log.js';
export { CIPHERTEXT_OVERHEAD } from './ciphertext.js';
export { MAX_AAD_BYTES, MAX_PLAINTEXT_BYTES } from './crypto-operations.js';
export { DECRYPTION_FAILED, GCP_STATUS_CODES, GcpKmsError, type GcpStatus, isGcpStatus } from './errors.js';
export type * from './messages.js';
export {
  GCP_KMS_METHODS,
  GCP_SERVICE,
  type GcpCallContext,
  GcpKmsService,
  type GcpKmsServiceOptions,
} from './service.js';
