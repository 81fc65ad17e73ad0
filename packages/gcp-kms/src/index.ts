export {
  cachedGcpKmsClient,
  closeCachedGcpKmsClients,
  type GcpKmsClientConfig,
  gcpClientSupplier,
} from './client-cache.js';
export { type GcpEmulatorEndpoint, type GcpTransport, gcpClientOptions } from './client-options.js';
export {
  gcpKmsAdapter,
  gcpKmsDiscoveryAdapter,
  gcpKmsModule,
  keyringPackage,
} from './container-module.js';
export { crc32c } from './crc32c.js';
export { describeGcpKmsKey, MALFORMED_GCP_KEY_LOCATION } from './describe.js';
export { gcpEmulatorClient } from './emulator-client.js';
export {
  GcpKmsError,
  GRPC_STATUS,
  type GrpcStatusName,
  grpcStatusOf,
  KmsIntegrityError,
  normalizeGcpError,
} from './errors.js';
export {
  type GcpDiscoveryFilter,
  GcpKmsDiscoveryKeyring,
  type GcpKmsDiscoveryKeyringOptions,
} from './gcp-kms-discovery-keyring.js';
export { type GcpKmsClientChoice, GcpKmsKeyring, type GcpKmsKeyringOptions } from './gcp-kms-keyring.js';
export type {
  GcpCallOptions,
  GcpClientSupplier,
  GcpDecryptRequest,
  GcpDecryptResponse,
  GcpEncryptRequest,
  GcpEncryptResponse,
  GcpKmsClient,
  Int64ValueField,
} from './kms-port.js';
export { GCP_KMS_PROVIDER_ID } from './provider-id.js';
export { type CryptoKeyName, formatCryptoKeyName, parseCryptoKeyName } from './resource-names.js';
export { DEFAULT_TOTAL_TIMEOUT_MS, type GcpRetryOptions } from './retry.js';
