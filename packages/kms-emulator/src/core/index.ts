export {
  type AuditPage,
  type AuditPruning,
  type AuditQuery,
  type AuditRecord,
  lastSegment,
  matchesAudit,
} from './audit-record.js';
export { runCipher } from './cipher-output.js';
export {
  type ActiveFault,
  type FailureFault,
  type FaultHandle,
  FaultInjector,
  type FaultMatch,
  InjectedFault,
  type LatencyFault,
  LocationUnavailableError,
  type ThrottleFault,
} from './faults.js';
export {
  type AuditRetentionOptions,
  type CallHandlers,
  type CallObserver,
  type CallOutcome,
  CallScope,
  HsmCore,
  type HsmCoreOptions,
  type ServiceCall,
  type ServiceFailure,
} from './hsm-core.js';
export { MaterialUnavailableError, MaterialVault } from './material-vault.js';
export { MemoryResourceStore } from './memory-resource-store.js';
export { setOwnMember } from './own-member.js';
export { randomBytesPooled } from './random-pool.js';
export type { ListQuery, ResourcePage, ResourceStore } from './resource-store.js';
export {
  defaultSqliteDriver,
  openSqlite,
  type SqliteDatabase,
  type SqliteDriverName,
  type SqliteStatement,
} from './sqlite-driver.js';
export {
  SqliteResourceStore,
  type SqliteResourceStoreOptions,
  type SqliteSchemaUpgrade,
} from './sqlite-resource-store.js';
export { StoreCommitError } from './store-commit-error.js';
