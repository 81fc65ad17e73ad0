export {
  applySeed,
  loadSeedFile,
  type SeedFile,
  SeedFileError,
  type SeedKey,
  type SeedSummary,
  seedFileSchema,
} from '@envelope/kms-emulator';
export type { AccessKey } from '@envelope/kms-protocols/aws-json';
export type { ProtocolEndpoint } from '@envelope/kms-protocols/endpoint';
export { AdminRequestError } from './admin/admin-http.js';
export {
  type AdminContext,
  type AdminRoutes,
  adminRoutes,
  HEALTH_PATH,
  healthRoute,
} from './admin/admin-routes.js';
export {
  AUDIT_PATH,
  type AuditLogEntry,
  type AuditLogPage,
  DEFAULT_AUDIT_PAGE,
  MAX_AUDIT_PAGE,
} from './admin/audit-endpoint.js';
export {
  applyFault,
  FAULT_SERVICES,
  type FaultService,
  type FaultSpec,
  FaultSpecError,
  faultSpecSchema,
  parseFaultSpec,
} from './admin/fault-spec.js';
export { FAULTS_PATH, type ListedFault } from './admin/faults-endpoint.js';
export { RESET_PATH, type StartState, stateReset } from './admin/reset.js';
// Azure Key Vault over HTTPS (CONNECT-proxy vault hosts) and the node-forge CA behind it.
export {
  type AzureHttpsListener,
  type AzureHttpsListenerOptions,
  createAzureHttpsListener,
} from './azure/https-listener.js';
export { type AccessKeys, AccessKeysFileError, loadAccessKeysFile } from './config/access-keys.js';
export {
  createKmsServer,
  DEFAULT_AUDIT_RETENTION,
  DEFAULT_MEMORY_AUDIT_RETENTION,
  DEFAULT_PORT,
  DEFAULT_SYNCHRONOUS,
  type EndpointContext,
  type KmsServer,
  type KmsServerOptions,
  type ServerEndpoint,
  type ServerEndpointAddress,
} from './create-kms-server.js';
export { HostAllowList, isLoopback } from './http/host-check.js';
export {
  DEFAULT_LIMITS,
  type KmsServerLimits,
  type ListenerOptions,
  type LogRecord,
  type RunningListener,
  startListener,
} from './http/listener.js';
export { type CallFields, RequestLog } from './http/request-log.js';
export { KmsMetrics } from './metrics/kms-metrics.js';
export { METRICS_PATH } from './metrics/metrics-endpoint.js';
export { DATA_DIR_ENV, DATABASE_FILE, defaultDataDir } from './storage/data-dir.js';
export { PLAINTEXT_ROOT_KEY_FILE, ROOT_KEY_ENV, RootKeyError, resolveRootKey } from './storage/root-key.js';
export {
  certificateCovers,
  createCertificateAuthority,
  issueServerCertificate,
  type PemPair,
} from './tls/certificates.js';
export { loadOrCreateTlsMaterial, type TlsMaterial, type TlsMaterialOptions } from './tls/tls-material.js';
