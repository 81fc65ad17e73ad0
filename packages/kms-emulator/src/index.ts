export { type AuditOutcome, auditParameters } from './audit/audit-event.js';
// The Azure Key Vault keys service model over the core.
export * from './azure/index.js';
// The cloud-neutral HSM core and the Google Cloud KMS service model over it.
export {
  type AuditRecord as CoreAuditRecord,
  HsmCore,
  type HsmCoreOptions,
  LocationUnavailableError,
  MemoryResourceStore,
  type ResourceStore,
} from './core/index.js';
export { ciphertextBlobKeyId } from './engine/blob-info.js';
export {
  type AuditRetentionOptions,
  KMS_OPERATIONS,
  KmsEngine,
  type KmsEngineOptions,
} from './engine/engine.js';
export { accountRoot, keyArn, newKeyId, parseKmsArn, REGION_NAME } from './engine/ids.js';
export {
  WRAPPING_ALGORITHMS,
  WRAPPING_KEY_SPECS,
  type WrappingAlgorithm,
  type WrappingKeySpec,
  wrapKeyMaterial,
} from './engine/import-wrapping.js';
export type {
  DataKeyPairSpec,
  KeySpec,
  KeyUsage,
  MacAlgorithm,
  SigningAlgorithm,
} from './engine/key-specs.js';
export { type MemberShape, REQUEST_SHAPES, type StructureShape } from './engine/request-shapes.js';
export { probeRootKey, type RootKeyProbe } from './engine/root-key-probe.js';
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
} from './engine/types.js';
export { KmsError, type KmsExceptionName, RegionUnavailableError } from './errors.js';
export {
  type FailureFault,
  type FaultHandle,
  FaultInjector,
  type FaultMatch,
  type LatencyFault,
  type ThrottleFault,
} from './faults/faults.js';
export {
  type KeyPolicy,
  type PolicyCondition,
  type PolicyStatement,
  type PrincipalPattern,
  parsePolicy,
} from './policy/document.js';
export {
  defaultKeyPolicy,
  evaluatePolicy,
  type PolicyDecision,
  type PolicyRequest,
} from './policy/evaluate.js';
export { type ApplySeedOptions, applySeed, type SeedSummary } from './seed/apply-seed.js';
export {
  loadSeedFile,
  parseSeed,
  type SeedFile,
  SeedFileError,
  type SeedInput,
  type SeedKey,
  seedFileSchema,
} from './seed/seed-file.js';
export { MemoryStore } from './storage/memory-store.js';
export {
  defaultSqliteDriver,
  openSqlite,
  type SqliteDatabase,
  type SqliteDriverName,
  type SqliteStatement,
} from './storage/sqlite-driver.js';
export { SqliteStore } from './storage/sqlite-store.js';
export type { AuditPruning, AuditQuery, KmsStore } from './storage/store.js';
export {
  type AwsJsonDispatchOptions,
  type AwsJsonHttpRequest,
  type AwsJsonHttpResponse,
  dispatchAwsJson,
} from './transport/aws-json-dispatch.js';
export {
  AWS_JSON_CONTENT_TYPE,
  accessKeyIdFromRequest,
  BLOB_MEMBERS,
  decodeRequestBody,
  type EncodedError,
  encodeError,
  encodeResponseBody,
  type HeaderBag,
  KMS_TARGET_PREFIX,
  operationFromTarget,
  regionFromRequest,
} from './transport/aws-json-protocol.js';
export {
  createKmsRequestHandler,
  KmsRequestHandler,
  type KmsRequestHandlerOptions,
} from './transport/request-handler.js';
