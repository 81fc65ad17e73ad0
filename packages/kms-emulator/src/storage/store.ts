import type { AliasRecord, AuditEvent, GrantRecord, KeyRecord } from '../engine/types.js';

export interface AuditQuery {
  /** Only events at or after this time. */
  since?: Date;
  /** Key id or key ARN. */
  keyId?: string;
}

export interface AuditPruning {
  /** Keep at most this many of the newest events. */
  maxEvents?: number;
  /** Drop events whose time is before this. */
  before?: Date;
}

/**
 * Persistence for the engine. Synchronous on purpose: every write is durable before it returns, so
 * an acknowledged call is never lost. Implementations store records as given (they never see raw
 * key material: the engine wraps it under the root key before calling `putKey`).
 */
export interface KmsStore {
  getKey(arn: string): KeyRecord | undefined;
  putKey(record: KeyRecord): void;
  deleteKey(arn: string): void;
  listKeys(accountId: string, region: string): KeyRecord[];

  getAlias(accountId: string, region: string, aliasName: string): AliasRecord | undefined;
  putAlias(record: AliasRecord): void;
  deleteAlias(accountId: string, region: string, aliasName: string): void;
  listAliases(accountId: string, region: string): AliasRecord[];

  getGrant(grantId: string): GrantRecord | undefined;
  putGrant(record: GrantRecord): void;
  deleteGrant(grantId: string): void;
  listGrants(keyArn: string): GrantRecord[];

  appendAudit(event: AuditEvent): void;
  queryAudit(query: AuditQuery): AuditEvent[];
  /** Deletes the audit events the retention rule no longer keeps. */
  pruneAudit(pruning: AuditPruning): void;

  /**
   * Runs `fn` atomically: when it throws, every write it made (nested transactions included) is
   * undone before the error propagates. A nested transaction that throws undoes only its own writes.
   */
  transaction<T>(fn: () => T): T;
  close(): void;
}
