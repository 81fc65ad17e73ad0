import type { AuditRecord, ResourceStore, SqliteDatabase, SqliteSchemaUpgrade } from '../core/index.js';
import { AWS_SERVICE } from './aws-faults.js';
import { AWS_KINDS, aliasTerms, grantTerms } from './aws-resources.js';
import type { AliasRecord, AuditEvent, GrantRecord, KeyRecord } from './types.js';

/** The tables of the AWS-only schema that data dirs were written with before the HSM core. */
const LEGACY_TABLES = ['keys', 'aliases', 'grants', 'audit'] as const;
const BATCH = 1000;

/**
 * Moves a data dir written by the earlier AWS-only schema (tables `keys`, `aliases`, `grants`,
 * `audit`) into the core's resource tables: keys by ARN, aliases by alias ARN with their key term,
 * grants by id with their key and retiring terms, CloudTrail events as core audit records. The store
 * runs it in one transaction with dropping the old tables, so a data dir is migrated completely or
 * not at all. Wrapped material is copied as it is: the vault's AAD (key ARN + version id) is unchanged.
 */
export const awsLegacySchemaUpgrade: SqliteSchemaUpgrade = {
  applies: (db) => LEGACY_TABLES.some((table) => hasTable(db, table)),
  apply(db: SqliteDatabase, store: ResourceStore) {
    copyRows<KeyRecord>(db, 'keys', (r) => store.put(AWS_KINDS.key, r.arn, r));
    copyRows<AliasRecord>(db, 'aliases', (r) => store.put(AWS_KINDS.alias, r.aliasArn, r, aliasTerms(r)));
    copyRows<GrantRecord>(db, 'grants', (r) => store.put(AWS_KINDS.grant, r.grantId, r, grantTerms(r)));
    copyRows<AuditEvent>(db, 'audit', (e) => store.appendAudit(auditRecordOf(e)), 'event', 'seq');
    for (const table of LEGACY_TABLES) db.exec(`DROP TABLE IF EXISTS ${table}`);
  },
};

function hasTable(db: SqliteDatabase, table: string): boolean {
  return (
    db
      .prepare<[string], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name = ?")
      .get(table) !== undefined
  );
}

/** Reads a table in rowid order, a batch at a time, so a large audit table is never held at once. */
function copyRows<T>(
  db: SqliteDatabase,
  table: string,
  copy: (row: T) => void,
  column = 'record',
  order = 'rowid',
): void {
  if (!hasTable(db, table)) return;
  const page = db.prepare<[number, number], { id: number; json: string }>(
    `SELECT ${order} AS id, ${column} AS json FROM ${table} WHERE ${order} > ? ORDER BY ${order} LIMIT ?`,
  );
  let after = -1;
  for (;;) {
    const rows = page.all(after, BATCH);
    for (const row of rows) copy(JSON.parse(row.json) as T);
    if (rows.length < BATCH) return;
    after = rows[rows.length - 1]!.id;
  }
}

function auditRecordOf(e: AuditEvent): AuditRecord {
  return {
    id: e.eventID,
    time: e.eventTime,
    service: AWS_SERVICE,
    location: e.awsRegion,
    operation: e.eventName,
    requestId: e.requestID,
    principal: e.userIdentity.arn,
    resources: e.resources.map((r) => r.ARN),
    parameters: e.requestParameters,
    ...(e.errorCode !== undefined ? { error: { code: e.errorCode, message: e.errorMessage ?? '' } } : {}),
    detail: { accountId: e.userIdentity.accountId },
  };
}
