import { chmodSync, closeSync, existsSync, openSync } from 'node:fs';
import type { AuditPage, AuditPruning, AuditQuery, AuditRecord } from './audit-record.js';
import type { ListQuery, ResourcePage, ResourceStore } from './resource-store.js';
import { auditWhere } from './sqlite-audit-query.js';
import { AUDIT_INDEXES_SCHEMA, AUDIT_TABLES_SCHEMA, upgradeAuditLayout } from './sqlite-audit-schema.js';
import { SqliteAuditWriter } from './sqlite-audit-writer.js';
import { SqliteCheckpointer } from './sqlite-checkpointer.js';
import { DEFAULT_MAX_GROUP_CALLS, SqliteCommitGroups } from './sqlite-commit-group.js';
import {
  openSqlite,
  type SqliteDatabase,
  type SqliteDriverName,
  type SqliteStatement,
} from './sqlite-driver.js';
import { SqliteRecordCache } from './sqlite-record-cache.js';

/** Made before the upgrade of earlier audit layouts runs (see sqlite-audit-schema.ts). */
const SCHEMA = `
CREATE TABLE IF NOT EXISTS resources (kind TEXT NOT NULL, name TEXT NOT NULL, record TEXT NOT NULL,
  PRIMARY KEY (kind, name)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS resource_terms (kind TEXT NOT NULL, term TEXT NOT NULL, name TEXT NOT NULL,
  PRIMARY KEY (kind, term, name)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS resource_terms_by_name ON resource_terms (kind, name);
${AUDIT_TABLES_SCHEMA}
`;

/**
 * Moves data written by an earlier schema into this one. Runs on open, in one transaction with the
 * removal of the old tables: a data dir is migrated completely or not at all, never silently dropped.
 */
export interface SqliteSchemaUpgrade {
  /** Whether the database holds data this upgrade migrates (e.g. an old table exists). */
  applies(db: SqliteDatabase): boolean;
  /** Copies the old data into `store` and drops the old tables. */
  apply(db: SqliteDatabase, store: ResourceStore): void;
}

export interface SqliteResourceStoreOptions {
  /** `NORMAL` survives process crashes (not power loss) in WAL mode and skips the fsync per commit. */
  synchronous?: 'FULL' | 'NORMAL';
  driver?: SqliteDriverName;
  /** Migrations from earlier schemas (the AWS model ships one for the tables keys/aliases/grants/audit). */
  upgrades?: readonly SqliteSchemaUpgrade[];
  /** At most this many calls share one commit (default 64); see `groupedTransaction`. */
  maxGroupCalls?: number;
  /**
   * Opens the database (default `openSqlite`): lets a test wrap the connection to inject a failure,
   * such as a COMMIT that fails as on a full disk.
   */
  open?: (path: string) => SqliteDatabase;
}

/** WAL pages (4 KiB each) past which a COMMIT checkpoints on the event loop once the worker runs. */
const BACKSTOP_CHECKPOINT_PAGES = 10_000;
/** SQLite's own `wal_autocheckpoint` default: what a connection with no checkpoint worker uses. */
const DEFAULT_CHECKPOINT_PAGES = 1000;

/** The first string after every string that starts with `prefix` (names are ASCII: see ResourceStore). */
const prefixEnd = (prefix: string): string =>
  prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1);

/**
 * Durable `ResourceStore` on SQLite (`node:sqlite` on Node 24+, better-sqlite3 before: see
 * sqlite-driver.ts). WAL journal, `synchronous = FULL` by default, so a `transaction` is on disk
 * before it returns, and a `groupedTransaction` once `committed()` resolves: the calls of one
 * event-loop turn share one commit (group commit, sqlite-commit-group.ts), so under load one WAL sync
 * serves many calls. The database file is created with mode 0600. Listing is keyset pagination
 * over the primary key (or the terms index), so a page costs O(log n + page) whatever the store holds;
 * audit queries filter in SQL on indexed columns.
 */
export class SqliteResourceStore implements ResourceStore {
  readonly #db: SqliteDatabase;
  readonly #groups: SqliteCommitGroups;
  readonly #statements = new Map<string, SqliteStatement<unknown[], unknown>>();
  readonly #audit = new SqliteAuditWriter(
    (sql) => this.#sql(sql),
    () => this.#dataVersion(),
  );
  readonly #records = new SqliteRecordCache();
  /**
   * The connection's `PRAGMA data_version` as read in the open transaction: it cannot change before
   * that transaction ends (its snapshot is fixed), so the calls of a group read it once.
   */
  #version: number | undefined;
  /**
   * Started by the first group commit (a server's load), not by a store that only runs `transaction`s;
   * `null` when no worker could be started.
   */
  #checkpointer: SqliteCheckpointer | null | undefined;
  /** Set by `close`: its last group commit must not start a worker only to stop it at once. */
  #closing = false;

  constructor(
    readonly path: string,
    options: SqliteResourceStoreOptions = {},
  ) {
    if (path !== ':memory:' && !existsSync(path)) closeSync(openSync(path, 'a', 0o600));
    this.#db = options.open
      ? options.open(path)
      : openSqlite(path, options.driver ? { driver: options.driver } : {});
    try {
      this.#groups = new SqliteCommitGroups(this.#db, options.maxGroupCalls ?? DEFAULT_MAX_GROUP_CALLS, {
        ...(path === ':memory:' ? {} : { onGroupCommit: () => this.#groupCommitted() }),
        deferred: this.#audit,
        onSettled: () => {
          this.#version = undefined;
          this.#records.settled();
        },
      });
      this.#db.exec('PRAGMA journal_mode = WAL');
      this.#db.exec(`PRAGMA synchronous = ${options.synchronous === 'NORMAL' ? 'NORMAL' : 'FULL'}`);
      this.#db.exec(SCHEMA);
      upgradeAuditLayout(this.#db, this.#groups);
      this.#db.exec(AUDIT_INDEXES_SCHEMA);
      for (const upgrade of options.upgrades ?? []) {
        if (upgrade.applies(this.#db)) this.#groups.transaction(() => upgrade.apply(this.#db, this));
      }
    } catch (error) {
      this.#db.close();
      throw error;
    }
    if (path !== ':memory:') {
      for (const file of [path, `${path}-wal`, `${path}-shm`]) if (existsSync(file)) chmodSync(file, 0o600);
    }
  }

  /** Served from `SqliteRecordCache` once read: a copy of the parsed record, as a read from the table. */
  get<T>(kind: string, name: string): T | undefined {
    this.#groups.settleForRead();
    const cached = this.#records.get<T>(kind, name, this.#dataVersion());
    if (cached !== undefined) return cached;
    const row = this.#sql<{ record: string }>('SELECT record FROM resources WHERE kind = ? AND name = ?').get(
      kind,
      name,
    );
    return row && this.#records.parse<T>(kind, name, row.record);
  }

  put<T>(kind: string, name: string, record: T, terms: readonly string[] = []): void {
    this.#groups.transaction(() => {
      this.#records.written(kind, name);
      this.#sql(
        'INSERT INTO resources (kind, name, record) VALUES (?, ?, ?) ' +
          'ON CONFLICT (kind, name) DO UPDATE SET record = excluded.record',
      ).run(kind, name, JSON.stringify(record));
      this.#sql('DELETE FROM resource_terms WHERE kind = ? AND name = ?').run(kind, name);
      const insert = this.#sql('INSERT INTO resource_terms (kind, term, name) VALUES (?, ?, ?)');
      for (const term of new Set(terms)) insert.run(kind, term, name);
    });
  }

  delete(kind: string, name: string): void {
    this.#groups.transaction(() => {
      this.#records.written(kind, name);
      this.#sql('DELETE FROM resources WHERE kind = ? AND name = ?').run(kind, name);
      this.#sql('DELETE FROM resource_terms WHERE kind = ? AND name = ?').run(kind, name);
    });
  }

  list<T>(kind: string, query: ListQuery): ResourcePage<T> {
    if (query.limit <= 0) return { records: [] };
    this.#groups.settleForRead();
    const byTerm = query.term !== undefined;
    const column = byTerm ? 't.name' : 'r.name';
    const where = [byTerm ? 't.kind = ? AND t.term = ?' : 'r.kind = ?'];
    const params: unknown[] = byTerm ? [kind, query.term] : [kind];
    const prefix = query.prefix ?? '';
    if (prefix) {
      where.push(`${column} >= ? AND ${column} < ?`);
      params.push(prefix, prefixEnd(prefix));
    }
    if (query.after !== undefined) {
      where.push(`${column} > ?`);
      params.push(query.after);
    }
    const from = byTerm
      ? 'resource_terms t JOIN resources r ON r.kind = t.kind AND r.name = t.name'
      : 'resources r';
    const rows = this.#sql<{ name: string; record: string }>(
      `SELECT r.name AS name, r.record AS record FROM ${from} WHERE ${where.join(' AND ')} ORDER BY ${column} LIMIT ?`,
    ).all(...params, query.limit + 1);
    const more = rows.length > query.limit;
    const page = more ? rows.slice(0, query.limit) : rows;
    const records = page.map((row) => JSON.parse(row.record) as T);
    return more ? { records, next: page[page.length - 1]!.name } : { records };
  }

  /** In a grouped transaction the row is written at the group's COMMIT (see `SqliteAuditWriter`). */
  appendAudit(record: AuditRecord): void {
    if (this.#groups.deferring) this.#audit.append(record, true);
    else this.#groups.transaction(() => this.#audit.append(record, false));
  }

  queryAudit(query: AuditQuery): AuditRecord[] {
    this.#groups.settleForRead();
    const { condition, params } = auditWhere(query);
    const limit = query.limit === undefined ? '' : ' LIMIT ?';
    if (query.limit !== undefined) params.push(query.limit);
    return this.#sql<{ record: string }>(`SELECT record FROM audit_records${condition} ORDER BY seq${limit}`)
      .all(...params)
      .map((row) => JSON.parse(row.record) as AuditRecord);
  }

  pageAudit(query: AuditQuery & { limit: number }): AuditPage {
    if (query.limit <= 0) return { records: [] };
    this.#groups.settleForRead();
    const { condition, params } = auditWhere(query);
    // Walks the primary key from `after`: one page costs O(page + the rows it skips), not O(log size).
    const rows = this.#sql<{ seq: number; record: string }>(
      `SELECT seq, record FROM audit_records${condition} ORDER BY seq LIMIT ?`,
    ).all(...params, query.limit + 1);
    const more = rows.length > query.limit;
    const page = more ? rows.slice(0, query.limit) : rows;
    const records = page.map((row) => JSON.parse(row.record) as AuditRecord);
    return more ? { records, next: Number(page[page.length - 1]!.seq) } : { records };
  }

  /** In a grouped transaction, applied once at the group's COMMIT, after its audit rows are written. */
  pruneAudit(pruning: AuditPruning): void {
    if (this.#groups.deferring) this.#audit.prune(pruning, true);
    else this.#groups.transaction(() => this.#audit.prune(pruning, false));
  }

  clear(): void {
    this.#groups.transaction(() => {
      this.#records.cleared();
      for (const table of ['resources', 'resource_terms']) this.#sql(`DELETE FROM ${table}`).run();
      this.#audit.clear(this.#groups.deferring);
    });
  }

  transaction<T>(fn: () => T): T {
    return this.#groups.transaction(fn);
  }

  groupedTransaction<T>(fn: () => T): T {
    return this.#groups.grouped(fn);
  }

  committed(): Promise<void> {
    return this.#groups.committed();
  }

  /** Transactions committed so far, grouped or not: each is one WAL sync under `synchronous = FULL`. */
  get commits(): number {
    return this.#groups.commits;
  }

  close(): void {
    this.#closing = true;
    try {
      this.#groups.flush();
    } finally {
      try {
        this.#checkpointer?.close();
      } finally {
        this.#db.close();
      }
    }
  }

  #groupCommitted(): void {
    if (this.#checkpointer === undefined) {
      if (this.#closing) return;
      try {
        this.#checkpointer = new SqliteCheckpointer(this.path, this.#db.driver, () =>
          this.#checkpointerDied(),
        );
      } catch {
        // No worker thread (e.g. a resource limit): SQLite's automatic checkpoint keeps doing the work.
        this.#checkpointer = null;
        return;
      }
      // The worker checkpoints from now on; the connection's own automatic checkpoint (on the event
      // loop, in a COMMIT) stays as the backstop should the WAL outgrow what the worker keeps up with.
      this.#db.exec(`PRAGMA wal_autocheckpoint = ${BACKSTOP_CHECKPOINT_PAGES}`);
    }
    this.#checkpointer?.committed();
  }

  /**
   * The worker failed or exited while the store is open: the connection's automatic checkpoint goes back
   * to SQLite's default, so the WAL is again bounded at ≈ 4 MiB rather than the backstop's ≈ 40 MiB.
   */
  #checkpointerDied(): void {
    this.#checkpointer = null;
    if (this.#closing) return;
    try {
      this.#db.exec(`PRAGMA wal_autocheckpoint = ${DEFAULT_CHECKPOINT_PAGES}`);
    } catch {
      // The connection is failing anyway: the next statement reports it to its caller.
    }
  }

  /**
   * `PRAGMA data_version`: it changes whenever another connection committed (a spurious change, as
   * another connection's TRUNCATE checkpoint makes, only empties the caches). Read once per transaction
   * (the first read starts its snapshot); outside one, each read sees the latest commit.
   */
  #dataVersion(): number {
    if (this.#version !== undefined && this.#db.inTransaction) return this.#version;
    const version = Number(this.#sql<{ data_version: number }>('PRAGMA data_version').get()!.data_version);
    this.#version = this.#db.inTransaction ? version : undefined;
    return version;
  }

  /** Prepared once per SQL text (the list and audit queries have a handful of shapes). */
  #sql<R = unknown>(sql: string): SqliteStatement<unknown[], R> {
    let statement = this.#statements.get(sql);
    if (!statement) this.#statements.set(sql, (statement = this.#db.prepare(sql)));
    return statement as SqliteStatement<unknown[], R>;
  }
}
