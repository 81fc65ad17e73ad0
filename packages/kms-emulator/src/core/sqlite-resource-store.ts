import { chmodSync, closeSync, existsSync, openSync } from 'node:fs';
import {
  type AuditPage,
  type AuditPruning,
  type AuditQuery,
  type AuditRecord,
  lastSegment,
} from './audit-record.js';
import type { ListQuery, ResourcePage, ResourceStore } from './resource-store.js';
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

/**
 * The resources of each audit record, by interned name: `audit_names` holds each resource name once
 * (with its last segment, `tail`). A record's first resource (the call's primary one, the only one
 * of most calls) is the `name` column of its own `audit_records` row, indexed; each further one is
 * an `audit_resources` (seq, name id) row, indexed by name id. So a call with one resource dirties
 * the leaf of one B-tree for it, the name index (a few bytes per row, appended at its end), where a
 * row in `audit_resources` for every resource added that table's leaf too: one 4 KiB WAL frame per
 * commit (rows carrying the name itself, about 120 bytes, had made SQLite rebalance three or four
 * leaves and their parent of two B-trees on most commits). A resource query finds the name's id
 * through the UNIQUE index on `resource` (a full name) or the index on `tail` (a last segment: a key
 * id), then the records through both name indexes; pruning deletes by seq (or time), and removes the
 * names no row refers to any more. Databases of the earlier layouts are migrated on open, each in one
 * transaction (`upgradeAuditResources`, then `upgradeAuditRecords`).
 */
const AUDIT_NAMES = `
CREATE TABLE IF NOT EXISTS audit_names (id INTEGER PRIMARY KEY AUTOINCREMENT, resource TEXT NOT NULL UNIQUE,
  tail TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS audit_names_by_tail ON audit_names (tail);`;

const AUDIT_RESOURCES = (table: string) =>
  `CREATE TABLE IF NOT EXISTS ${table} (seq INTEGER NOT NULL, name INTEGER NOT NULL,
  PRIMARY KEY (seq, name)) WITHOUT ROWID;`;

/** The one index of `audit_resources` (see `AUDIT_RESOURCES`), made after the upgrades and by them. */
const AUDIT_RESOURCES_INDEX = 'CREATE INDEX IF NOT EXISTS audit_resources_by_name ON audit_resources (name);';

/**
 * The audit log, one row per record at its position `seq`, with the `audit_names` id of its first
 * resource (`name`, NULL for none; see `AUDIT_NAMES`). `seq` is a plain INTEGER PRIMARY KEY, not
 * AUTOINCREMENT: the writer assigns each `seq` itself and keeps positions from being reused with
 * `audit_seq_floor`, a row written only when a delete takes the last record (see
 * sqlite-audit-writer.ts), where AUTOINCREMENT rewrote `sqlite_sequence` on every commit. A data dir
 * whose `audit_records` has no `name` (every earlier layout) is rebuilt on open (`upgradeAuditRecords`).
 */
const AUDIT_RECORDS = (table: string) =>
  `CREATE TABLE IF NOT EXISTS ${table} (seq INTEGER PRIMARY KEY, time INTEGER NOT NULL,
  service TEXT NOT NULL, location TEXT NOT NULL, operation TEXT NOT NULL, record TEXT NOT NULL, name INTEGER);`;

/**
 * The indexes of `audit_records`: by time (age pruning, time-bounded queries) and by first resource;
 * made after the upgrades and by them.
 */
const AUDIT_RECORDS_INDEXES = `
CREATE INDEX IF NOT EXISTS audit_records_by_time ON audit_records (time);
CREATE INDEX IF NOT EXISTS audit_records_by_name ON audit_records (name);`;

/** Made before the upgrades of earlier `audit_records` and `audit_resources` layouts run. */
const SCHEMA = `
CREATE TABLE IF NOT EXISTS resources (kind TEXT NOT NULL, name TEXT NOT NULL, record TEXT NOT NULL,
  PRIMARY KEY (kind, name)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS resource_terms (kind TEXT NOT NULL, term TEXT NOT NULL, name TEXT NOT NULL,
  PRIMARY KEY (kind, term, name)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS resource_terms_by_name ON resource_terms (kind, name);
${AUDIT_RECORDS('audit_records')}
CREATE TABLE IF NOT EXISTS audit_seq_floor (id INTEGER PRIMARY KEY CHECK (id = 0), seq INTEGER NOT NULL);
${AUDIT_NAMES}
`;

/** Made once any earlier layout is migrated. */
const AUDIT_INDEXES_SCHEMA = `
${AUDIT_RESOURCES('audit_resources')}
${AUDIT_RESOURCES_INDEX}
${AUDIT_RECORDS_INDEXES}
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
      upgradeAuditResources(this.#db, this.#groups);
      upgradeAuditRecords(this.#db, this.#groups);
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

/** The SQL filter of an audit query: every condition runs in the store, on indexed columns. */
function auditWhere(query: AuditQuery): { condition: string; params: unknown[] } {
  const where: string[] = [];
  const params: unknown[] = [];
  const add = (condition: string, value: unknown) => {
    where.push(condition);
    params.push(value);
  };
  if (query.after !== undefined) add('seq > ?', query.after);
  if (query.since) add('time >= ?', query.since.getTime());
  if (query.until) add('time < ?', query.until.getTime());
  if (query.service !== undefined) add('service = ?', query.service);
  if (query.location !== undefined) add('location = ?', query.location);
  if (query.operation !== undefined) add('operation = ?', query.operation);
  if (query.resource !== undefined) {
    // `resource` is a full name or a last segment (a key id). A full name (one with a separator) is
    // never a tail, so it matches by name alone: one probe of the names; a last segment matches every
    // name of that tail.
    const names = `SELECT id FROM audit_names WHERE ${lastSegment(query.resource) === query.resource ? 'tail' : 'resource'} = ?`;
    // A record's first resource is in its own row, any further one in `audit_resources`.
    add(
      `seq IN (SELECT seq FROM audit_records WHERE name IN (${names}) UNION ALL SELECT seq FROM audit_resources WHERE name IN (${names}))`,
      query.resource,
    );
    params.push(query.resource);
  }
  return { condition: where.length ? ` WHERE ${where.join(' AND ')}` : '', params };
}

/**
 * Runs `migrate` in one transaction when `isOld` finds a layout of an earlier version: the data dir
 * is migrated completely or not at all.
 */
function upgradeLayout(groups: SqliteCommitGroups, isOld: () => boolean, migrate: () => void): void {
  if (!isOld()) return;
  try {
    groups.transaction(() => {
      // Asked again in the transaction: another connection to the same file (a second server started
      // on the data dir) may have migrated it since.
      if (isOld()) migrate();
    });
  } catch (error) {
    // Another connection migrating at the same moment can hold the write lock past the busy timeout:
    // nothing is left to do once theirs committed.
    if (isOld()) throw error;
  }
}

/**
 * Moves an `audit_resources` table of an earlier layout (name and tail in each row: a rowid table with
 * three indexes, then one keyed by (seq, resource)) into the current one (see `AUDIT_RESOURCES`).
 */
function upgradeAuditResources(db: SqliteDatabase, groups: SqliteCommitGroups): void {
  upgradeLayout(
    groups,
    () =>
      db
        .prepare("SELECT 1 AS found FROM pragma_table_info('audit_resources') WHERE name = 'resource'")
        .get() !== undefined,
    () => migrateAuditResources(db),
  );
}

/**
 * Rebuilds an `audit_records` of an earlier layout (AUTOINCREMENT, no `name`) as the current one (see
 * `AUDIT_RECORDS`), after `upgradeAuditResources`: the highest seq AUTOINCREMENT recorded becomes
 * the floor, so no position used before the upgrade is used again, even one whose row pruning or a
 * clear deleted; each record's first resource moves from `audit_resources` into its row.
 */
function upgradeAuditRecords(db: SqliteDatabase, groups: SqliteCommitGroups): void {
  upgradeLayout(
    groups,
    () =>
      db
        .prepare(
          "SELECT 1 AS found WHERE NOT EXISTS (SELECT 1 FROM pragma_table_info('audit_records') WHERE name = 'name')",
        )
        .get() !== undefined,
    () => {
      db.exec(
        "INSERT INTO audit_seq_floor (id, seq) SELECT 0, seq FROM sqlite_sequence WHERE name = 'audit_records' " +
          'ON CONFLICT (id) DO UPDATE SET seq = MAX(seq, excluded.seq)',
      );
      db.exec(AUDIT_RECORDS('audit_records_v2'));
      // The first resource of a record is the first of its JSON's `resources`; one with no interned
      // name (none is expected) keeps it in `audit_resources`, where a query finds it all the same.
      db.exec(
        'INSERT INTO audit_records_v2 (seq, time, service, location, operation, record, name) ' +
          'SELECT r.seq, r.time, r.service, r.location, r.operation, r.record, ' +
          "(SELECT n.id FROM audit_names n WHERE n.resource = json_extract(r.record, '$.resources[0]')) " +
          'FROM audit_records r',
      );
      db.exec(
        'DELETE FROM audit_resources WHERE (seq, name) IN (SELECT seq, name FROM audit_records_v2 WHERE name IS NOT NULL)',
      );
      // Drops the time index and AUTOINCREMENT's `sqlite_sequence` row with it.
      db.exec('DROP TABLE audit_records');
      db.exec('ALTER TABLE audit_records_v2 RENAME TO audit_records');
      db.exec(AUDIT_RECORDS_INDEXES);
    },
  );
}

function migrateAuditResources(db: SqliteDatabase): void {
  db.exec(
    'INSERT OR IGNORE INTO audit_names (resource, tail) SELECT resource, MIN(tail) FROM audit_resources GROUP BY resource',
  );
  db.exec(AUDIT_RESOURCES('audit_resources_v3'));
  db.exec(
    'INSERT OR IGNORE INTO audit_resources_v3 (seq, name) SELECT r.seq, n.id FROM audit_resources r JOIN audit_names n ON n.resource = r.resource',
  );
  db.exec('DROP TABLE audit_resources');
  db.exec('ALTER TABLE audit_resources_v3 RENAME TO audit_resources');
  db.exec(AUDIT_RESOURCES_INDEX);
}
