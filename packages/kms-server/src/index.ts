export {
  applySeed,
  loadSeedFile,
  type SeedFile,
  SeedFileError,
  type SeedKey,
  type SeedSummary,
  seedFileSchema,
} from '@envelope/kms-emulator';
export { adminRoutes, FAULTS_PATH, HEALTH_PATH, healthRoute } from './admin/admin-routes.js';
export {
  applyFault,
  type FaultSpec,
  FaultSpecError,
  faultSpecSchema,
  parseFaultSpec,
} from './admin/fault-spec.js';
export {
  type AccessKey,
  credentialAccessKeyId,
  credentialScopeRegion,
  type SignedRequest,
  type SigV4Result,
  verifySigV4,
} from './auth/sigv4.js';
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
  DEFAULT_SYNCHRONOUS,
  type KmsServer,
  type KmsServerOptions,
} from './create-kms-server.js';
export { engineCallHandler } from './http/engine-handler.js';
export { HostAllowList, isLoopback } from './http/host-check.js';
export {
  DEFAULT_LIMITS,
  DEFAULT_PORT,
  DropConnectionError,
  type KmsCall,
  type KmsCallHandler,
  type KmsHttpServerOptions,
  type KmsReply,
  type KmsServerLimits,
  type LogRecord,
  type RunningServer,
  startKmsHttpServer,
} from './http/kms-http-server.js';
export { DATA_DIR_ENV, DATABASE_FILE, defaultDataDir } from './storage/data-dir.js';
export { PLAINTEXT_ROOT_KEY_FILE, ROOT_KEY_ENV, RootKeyError, resolveRootKey } from './storage/root-key.js';
export {
  certificateCovers,
  createCertificateAuthority,
  issueServerCertificate,
  type PemPair,
} from './tls/certificates.js';
export { loadOrCreateTlsMaterial, type TlsMaterial, type TlsMaterialOptions } from './tls/tls-material.js';
