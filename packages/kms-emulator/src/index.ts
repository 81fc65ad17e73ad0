// The cloud-neutral HSM core, shared by every cloud's service model.

// The AWS KMS service model over the core.
export {
  AwsFaults,
  type FailureFault,
  type FaultMatch,
  type LatencyFault,
  type ThrottleFault,
} from './aws/aws-faults.js';
export { AWS_KINDS, AwsResources } from './aws/aws-resources.js';
export { ciphertextBlobKeyId } from './aws/blob-info.js';
export { auditParameters, cloudTrailEvent } from './aws/cloudtrail.js';
export {
  type AuditQuery,
  KMS_OPERATIONS,
  type KmsAccountOptions,
  KmsEngine,
  type KmsEngineOptions,
} from './aws/engine.js';
export { KMS_EXCEPTION_NAMES, KmsError, type KmsExceptionName } from './aws/errors.js';
export { accountRoot, keyArn, newKeyId, parseKmsArn, REGION_NAME } from './aws/ids.js';
export {
  WRAPPING_ALGORITHMS,
  WRAPPING_KEY_SPECS,
  type WrappingAlgorithm,
  type WrappingKeySpec,
  wrapKeyMaterial,
} from './aws/import-wrapping.js';
export type {
  DataKeyPairSpec,
  KeySpec,
  KeyUsage,
  MacAlgorithm,
  SigningAlgorithm,
} from './aws/key-specs.js';
export { awsLegacySchemaUpgrade } from './aws/legacy-sqlite-schema.js';
export {
  type KeyPolicy,
  type PolicyCondition,
  type PolicyStatement,
  type PrincipalPattern,
  parsePolicy,
} from './aws/policy/document.js';
export {
  defaultKeyPolicy,
  evaluatePolicy,
  type PolicyDecision,
  type PolicyRequest,
} from './aws/policy/evaluate.js';
export { type MemberShape, REQUEST_SHAPES, type StructureShape } from './aws/request-shapes.js';
export { probeRootKey, type RootKeyProbe } from './aws/root-key-probe.js';
export { type ApplySeedOptions, applySeed, type SeedSummary } from './aws/seed/apply-seed.js';
export {
  loadSeedFile,
  parseSeed,
  type SeedFile,
  SeedFileError,
  type SeedInput,
  type SeedKey,
  seedFileSchema,
} from './aws/seed/seed-file.js';
export type {
  AliasRecord,
  AuditEvent,
  GrantRecord,
  ImportedMaterialRecord,
  KeyRecord,
  KeyState,
  KeyVersionRecord,
  RequestContext,
  Tag,
} from './aws/types.js';
export * from './azure/index.js';
export {
  type ActiveFault,
  type AuditPage,
  type AuditPruning,
  type AuditQuery as CoreAuditQuery,
  type AuditRecord as CoreAuditRecord,
  type AuditRetentionOptions,
  type CallHandlers,
  type CallObserver,
  type CallOutcome,
  CallScope,
  defaultSqliteDriver,
  type FailureFault as CoreFailureFault,
  type FaultHandle,
  FaultInjector,
  type FaultMatch as CoreFaultMatch,
  HsmCore,
  type HsmCoreOptions,
  InjectedFault,
  type LatencyFault as CoreLatencyFault,
  type ListQuery,
  LocationUnavailableError,
  MaterialVault,
  MemoryResourceStore,
  openSqlite,
  type ResourcePage,
  type ResourceStore,
  type ServiceCall,
  type ServiceFailure,
  type SqliteDatabase,
  type SqliteDriverName,
  SqliteResourceStore,
  type SqliteResourceStoreOptions,
  type SqliteSchemaUpgrade,
  type SqliteStatement,
  StoreCommitError,
  setOwnMember,
  type ThrottleFault as CoreThrottleFault,
} from './core/index.js';
export * from './gcp/index.js';
