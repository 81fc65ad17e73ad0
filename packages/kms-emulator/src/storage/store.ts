import type { AliasRecord, AuditEvent, GrantRecord, KeyRecord } from '../engine/types.js';

export interface AuditQuery {
  /** Only events at or after this time. */
  since?: Date;
  /** Key id or key ARN. */
  keyId?: string;
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

  /** Runs `fn` atomically (all of its writes or none). */
  transaction<T>(fn: () => T): T;
  close(): void;
}
