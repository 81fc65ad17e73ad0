import { chmodSync, closeSync, existsSync, openSync } from 'node:fs';
import type { AliasRecord, AuditEvent, GrantRecord, KeyRecord } from '../engine/types.js';
import { openSqlite, type SqliteDatabase, type SqliteDriverName } from './sqlite-driver.js';
import type { AuditPruning, AuditQuery, KmsStore } from './store.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS keys (arn TEXT PRIMARY KEY, account_id TEXT NOT NULL, region TEXT NOT NULL,
  creation_date INTEGER NOT NULL, record TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS keys_by_scope ON keys (account_id, region, creation_date);
CREATE TABLE IF NOT EXISTS aliases (account_id TEXT NOT NULL, region TEXT NOT NULL, alias_name TEXT NOT NULL,
  record TEXT NOT NULL, PRIMARY KEY (account_id, region, alias_name));
CREATE TABLE IF NOT EXISTS grants (grant_id TEXT PRIMARY KEY, key_arn TEXT NOT NULL, creation_date INTEGER NOT NULL,
  record TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS grants_by_key ON grants (key_arn, creation_date);
CREATE TABLE IF NOT EXISTS audit (seq INTEGER PRIMARY KEY AUTOINCREMENT, event_time INTEGER NOT NULL,
  key_id TEXT, event TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS audit_by_time ON audit (event_time);
`;

/**
 * Durable store on SQLite (`node:sqlite` on Node 24+, better-sqlite3 before: see sqlite-driver.ts). WAL journal with `synchronous = FULL`, so each write is
 * on disk before the call that made it returns; the database file is created with mode 0600.
 */
export class SqliteStore implements KmsStore {
  readonly #db: SqliteDatabase;
  readonly #stmt;

  constructor(
    readonly path: string,
    /** `NORMAL` survives process crashes (not power loss) in WAL mode and skips the fsync per commit. */
    options: { synchronous?: 'FULL' | 'NORMAL'; driver?: SqliteDriverName } = {},
  ) {
    if (path !== ':memory:' && !existsSync(path)) closeSync(openSync(path, 'a', 0o600));
    this.#db = openSqlite(path, options.driver ? { driver: options.driver } : {});
    this.#db.exec('PRAGMA journal_mode = WAL');
    this.#db.exec(`PRAGMA synchronous = ${options.synchronous === 'NORMAL' ? 'NORMAL' : 'FULL'}`);
    this.#db.exec(SCHEMA);
    if (path !== ':memory:') {
      for (const file of [path, `${path}-wal`, `${path}-shm`]) if (existsSync(file)) chmodSync(file, 0o600);
    }
    const db = this.#db;
    this.#stmt = {
      getKey: db.prepare<[string], { record: string }>('SELECT record FROM keys WHERE arn = ?'),
      putKey: db.prepare(
        'INSERT INTO keys (arn, account_id, region, creation_date, record) VALUES (?, ?, ?, ?, ?) ' +
          'ON CONFLICT (arn) DO UPDATE SET record = excluded.record',
      ),
      deleteKey: db.prepare('DELETE FROM keys WHERE arn = ?'),
      listKeys: db.prepare<[string, string], { record: string }>(
        'SELECT record FROM keys WHERE account_id = ? AND region = ? ORDER BY creation_date, arn',
      ),
      getAlias: db.prepare<[string, string, string], { record: string }>(
        'SELECT record FROM aliases WHERE account_id = ? AND region = ? AND alias_name = ?',
      ),
      putAlias: db.prepare(
        'INSERT OR REPLACE INTO aliases (account_id, region, alias_name, record) VALUES (?, ?, ?, ?)',
      ),
      deleteAlias: db.prepare('DELETE FROM aliases WHERE account_id = ? AND region = ? AND alias_name = ?'),
      listAliases: db.prepare<[string, string], { record: string }>(
        'SELECT record FROM aliases WHERE account_id = ? AND region = ? ORDER BY alias_name',
      ),
      getGrant: db.prepare<[string], { record: string }>('SELECT record FROM grants WHERE grant_id = ?'),
      putGrant: db.prepare(
        'INSERT OR REPLACE INTO grants (grant_id, key_arn, creation_date, record) VALUES (?, ?, ?, ?)',
      ),
      deleteGrant: db.prepare('DELETE FROM grants WHERE grant_id = ?'),
      listGrants: db.prepare<[string], { record: string }>(
        'SELECT record FROM grants WHERE key_arn = ? ORDER BY creation_date, grant_id',
      ),
      appendAudit: db.prepare('INSERT INTO audit (event_time, key_id, event) VALUES (?, ?, ?)'),
      pruneAuditCount: db.prepare('DELETE FROM audit WHERE seq <= (SELECT MAX(seq) FROM audit) - ?'),
      pruneAuditAge: db.prepare('DELETE FROM audit WHERE event_time < ?'),
      queryAudit: db.prepare<[number], { event: string }>(
        'SELECT event FROM audit WHERE event_time >= ? ORDER BY seq',
      ),
    };
  }

  getKey(arn: string): KeyRecord | undefined {
    return parse(this.#stmt.getKey.get(arn)?.record);
  }
  putKey(r: KeyRecord): void {
    this.#stmt.putKey.run(r.arn, r.accountId, r.region, r.creationDate, JSON.stringify(r));
  }
  deleteKey(arn: string): void {
    this.#stmt.deleteKey.run(arn);
  }
  listKeys(accountId: string, region: string): KeyRecord[] {
    return this.#stmt.listKeys.all(accountId, region).map((row) => JSON.parse(row.record));
  }

  getAlias(accountId: string, region: string, aliasName: string): AliasRecord | undefined {
    return parse(this.#stmt.getAlias.get(accountId, region, aliasName)?.record);
  }
  putAlias(r: AliasRecord): void {
    this.#stmt.putAlias.run(r.accountId, r.region, r.aliasName, JSON.stringify(r));
  }
  deleteAlias(accountId: string, region: string, aliasName: string): void {
    this.#stmt.deleteAlias.run(accountId, region, aliasName);
  }
  listAliases(accountId: string, region: string): AliasRecord[] {
    return this.#stmt.listAliases.all(accountId, region).map((row) => JSON.parse(row.record));
  }

  getGrant(grantId: string): GrantRecord | undefined {
    return parse(this.#stmt.getGrant.get(grantId)?.record);
  }
  putGrant(r: GrantRecord): void {
    this.#stmt.putGrant.run(r.grantId, r.keyArn, r.creationDate, JSON.stringify(r));
  }
  deleteGrant(grantId: string): void {
    this.#stmt.deleteGrant.run(grantId);
  }
  listGrants(keyArn: string): GrantRecord[] {
    return this.#stmt.listGrants.all(keyArn).map((row) => JSON.parse(row.record));
  }

  appendAudit(event: AuditEvent): void {
    this.#stmt.appendAudit.run(Date.parse(event.eventTime), event.keyId ?? null, JSON.stringify(event));
  }
  queryAudit(query: AuditQuery): AuditEvent[] {
    const events = this.#stmt.queryAudit
      .all(query.since?.getTime() ?? 0)
      .map((row) => JSON.parse(row.event) as AuditEvent);
    if (!query.keyId) return events;
    const wanted = query.keyId;
    return events.filter(
      (e) => e.keyId === wanted || e.resources.some((r) => r.ARN === wanted || r.ARN.endsWith(`/${wanted}`)),
    );
  }

  /** Up to `limit` keys of any account and region, oldest first (to probe the root key at start). */
  sampleKeys(limit: number): KeyRecord[] {
    return this.#db
      .prepare<[number], { record: string }>('SELECT record FROM keys ORDER BY creation_date, arn LIMIT ?')
      .all(limit)
      .map((row) => JSON.parse(row.record) as KeyRecord);
  }

  pruneAudit(pruning: AuditPruning): void {
    if (pruning.maxEvents !== undefined) this.#stmt.pruneAuditCount.run(pruning.maxEvents);
    if (pruning.before !== undefined) this.#stmt.pruneAuditAge.run(pruning.before.getTime());
  }

  transaction<T>(fn: () => T): T {
    return this.#db.transaction(fn);
  }
  close(): void {
    this.#db.close();
  }
}

const parse = <T>(text: string | undefined): T | undefined =>
  text === undefined ? undefined : (JSON.parse(text) as T);
