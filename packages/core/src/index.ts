export {
  discoverEmulatorEndpoints,
  type EmulatorEndpointAddress,
} from './adapter/discover-endpoints.js';
export type {
  EmulatorServerTarget,
  EmulatorTarget,
  InProcessEmulatorTarget,
} from './adapter/emulator-target.js';
export {
  KEYRING_ADAPTER,
  type KeyringAdapter,
  type KeyringAdapterContext,
  type StandardSchema,
  type StandardSchemaResult,
} from './adapter/keyring-adapter.js';
export type { KeyringContainerModule, KeyringPackage } from './adapter/keyring-package.js';
export {
  isModuleNotFound,
  loadOptionalModule,
  type MissingModule,
  type ModuleLoader,
} from './adapter/load-optional-module.js';
export * from './client.js';
export * from './errors.js';
export type { KmsCallCount } from './fleet/counting-keyring.js';
export type {
  FleetJournal,
  FleetJournalEntry,
  FleetMessage,
  FleetMessageResult,
  FleetOptions,
  FleetSummary,
} from './fleet/fleet-types.js';
export { masterKeyId } from './fleet/master-keys.js';
export type { FleetMode } from './fleet/rewrite-plan.js';
export { rotateFleet } from './fleet/rotate-fleet.js';
export { isThrottling } from './fleet/throttling.js';
export { type EncryptedDataKey, masterKeyName, providerInfoText } from './format/encrypted-data-key.js';
export {
  type EncryptionContext,
  PUBLIC_KEY_CONTEXT_KEY,
  RESERVED_CONTEXT_PREFIX,
  serializeEncryptionContext,
} from './format/encryption-context.js';
export { ContentType, type MessageHeader, type ParsedHeader, parseHeader } from './format/header.js';
export { awsEncryptionSdkFormat, type EncryptDetails, type MessageFormat } from './format/message-format.js';
export { formatIssuePath } from './issue-path.js';
export {
  compressEccPublicKey,
  decompressEccPublicKey,
  type EcdhCurveSpec,
  importEccPrivateKey,
  importEccPublicKey,
} from './keyrings/ecc-keys.js';
export {
  type EcdhParties,
  type EcdhWrapInput,
  ecdhUnwrapDataKey,
  ecdhWrapDataKey,
  KMS_ECDH_PROVIDER_ID,
  parseEcdhProviderInfo,
  RAW_ECDH_PROVIDER_ID,
  readEcdhProviderInfo,
  serializeEcdhProviderInfo,
} from './keyrings/ecdh-wrapping.js';
export { generateDataKey } from './keyrings/generate-data-key.js';
export { type Keyring, KeyringBase } from './keyrings/keyring.js';
export {
  type CloudMasterKeyFormat,
  describeCloudMasterKey,
  describeRawMasterKey,
  type MasterKeyDescriber,
  type MasterKeyDescription,
  showProviderInfo,
} from './keyrings/master-key-description.js';
export { MultiKeyring, type MultiKeyringOptions } from './keyrings/multi-keyring.js';
export { RawAesKeyring, type RawAesKeyringOptions } from './keyrings/raw-aes-keyring.js';
export {
  type EcdhKeyAgreementScheme,
  RawEcdhKeyring,
  type RawEcdhKeyringOptions,
} from './keyrings/raw-ecdh-keyring.js';
export { RawRsaKeyring, type RawRsaKeyringOptions, type RsaPadding } from './keyrings/raw-rsa-keyring.js';
export { unwrapFirst } from './keyrings/unwrap-first.js';
export {
  CachingMaterialsManager,
  type CachingMaterialsManagerOptions,
} from './materials/caching-materials-manager.js';
export { DefaultMaterialsManager } from './materials/default-materials-manager.js';
export { DecryptionMaterials, EncryptionMaterials, type SkippedMasterKey } from './materials/materials.js';
export type {
  DecryptionMaterialsRequest,
  EncryptionMaterialsRequest,
  MaterialsManager,
} from './materials/materials-manager.js';
export {
  RequiredEncryptionContextMaterialsManager,
  type RequiredEncryptionContextMaterialsManagerOptions,
} from './materials/required-encryption-context-materials-manager.js';
export * from './options.js';
export { type DecryptFileOptions, decryptFile } from './parallel/decrypt-file.js';
export { type EncryptFileOptions, type EncryptFileResult, encryptFile } from './parallel/encrypt-file.js';
export type { FileProgressCallback, FileProgressOptions } from './parallel/file-progress.js';
export { runFrameWorker } from './parallel/frame-worker-loop.js';
export { JOB_BYTES, type ParallelOptions } from './parallel/parallel-options.js';
export {
  type DeadlineAttempt,
  type DeadlineRetryPolicy,
  retryWithDeadline,
} from './retry/retry-with-deadline.js';
export { retainFreedMemory } from './runtime/retain-freed-memory.js';
export { decryptMessage } from './stream/decrypt-message.js';
export { encryptMessage } from './stream/encrypt-message.js';
export { inspectMessage, type ParsedHeaderBytes } from './stream/read-header.js';
export {
  type RewrapMode,
  type RewrapOptions,
  type RewrapReport,
  rewrapMessage,
} from './stream/rewrap-message.js';
export {
  type AlgorithmSuite,
  allSuites,
  DEFAULT_SUITE_ID,
  formatSuiteId,
  getSuite,
  SuiteId,
} from './suites/algorithm-suites.js';
export { CommitmentPolicy, DEFAULT_COMMITMENT_POLICY } from './suites/commitment-policy.js';
