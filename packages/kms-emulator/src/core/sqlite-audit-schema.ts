import type { SqliteCommitGroups } from './sqlite-commit-group.js';
import type { SqliteDatabase } from './sqlite-driver.js';

/**
 * The audit log's tables in the SQLite store, the rules of where its rows go, and the upgrade of
 * data dirs written by earlier layouts. The writer (sqlite-audit-writer.ts) and the queries
 * (sqlite-audit-query.ts) use the rules from here, each written once.
 *
 * The resources of each audit record, by interned name: `audit_names` holds each resource name once
 * (with its last segment, `tail`). A record's first resource (the call's primary one, the only one
 * of most calls) is the `name` column of its own `audit_records` row, indexed; each further one is
 * an `audit_resources` (seq, name id) row, indexed by name id (`RESOURCE_PLACES`). So a call with one
 * resource dirties the leaf of one B-tree for it, the name index (a few bytes per row, appended at its
 * end), where a row in `audit_resources` for every resource added that table's leaf too: one 4 KiB
 * WAL frame per commit (rows carrying the name itself, about 120 bytes, had made SQLite rebalance
 * three or four leaves and their parent of two B-trees on most commits). A resource query finds the
 * name's id through the UNIQUE index on `resource` (a full name) or the index on `tail` (a last
 * segment: a key id), then the records through both name indexes; pruning deletes by seq (or time),
 * and removes the names no row refers to any more.
 *
 * `audit_names` keeps `AUTOINCREMENT`: the first use of a name rewrites its `sqlite_sequence` row
 * (one more page in that commit, once per new name, not per call).
 */
const AUDIT_NAMES = `
CREATE TABLE IF NOT EXISTS audit_names (id INTEGER PRIMARY KEY AUTOINCREMENT, resource TEXT NOT NULL UNIQUE,
  tail TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS audit_names_by_tail ON audit_names (tail);`;

const AUDIT_RESOURCES = (table: string) =>
  `CREATE TABLE IF NOT EXISTS ${table} (seq INTEGER NOT NULL, name INTEGER NOT NULL,
  PRIMARY KEY (seq, name)) WITHOUT ROWID;`;

/** The one index of `audit_resources` (see `AUDIT_RESOURCES`), made after the upgrade and by it. */
const AUDIT_RESOURCES_INDEX = 'CREATE INDEX IF NOT EXISTS audit_resources_by_name ON audit_resources (name);';

/**
 * The audit log, one row per record at its position `seq`, with the `audit_names` id of its first
 * resource (`name`, NULL for none; see `AUDIT_NAMES`). `seq` is a plain INTEGER PRIMARY KEY, not
 * AUTOINCREMENT: the writer assigns each `seq` itself and keeps positions from being reused with
 * `audit_seq_floor`, a row written only when a delete takes the last record (`raiseSeqFloor`), where
 * AUTOINCREMENT rewrote `sqlite_sequence` on every commit. A data dir whose `audit_records` has no
 * `name` (every earlier layout) is rebuilt on open (`upgradeAuditLayout`).
 */
const AUDIT_RECORDS = (table: string) =>
  `CREATE TABLE IF NOT EXISTS ${table} (seq INTEGER PRIMARY KEY, time INTEGER NOT NULL,
  service TEXT NOT NULL, location TEXT NOT NULL, operation TEXT NOT NULL, record TEXT NOT NULL, name INTEGER);`;

/**
 * The indexes of `audit_records`: by time (age pruning, time-bounded queries) and by first resource;
 * made after the upgrade and by it.
 */
const AUDIT_RECORDS_INDEXES = `
CREATE INDEX IF NOT EXISTS audit_records_by_time ON audit_records (time);
CREATE INDEX IF NOT EXISTS audit_records_by_name ON audit_records (name);`;

/** The audit tables made before the upgrade of earlier layouts runs (none of them has an index). */
export const AUDIT_TABLES_SCHEMA = `
${AUDIT_RECORDS('audit_records')}
CREATE TABLE IF NOT EXISTS audit_seq_floor (id INTEGER PRIMARY KEY CHECK (id = 0), seq INTEGER NOT NULL);
${AUDIT_NAMES}
`;

/** Made once any earlier layout is migrated. */
export const AUDIT_INDEXES_SCHEMA = `
${AUDIT_RESOURCES('audit_resources')}
${AUDIT_RESOURCES_INDEX}
${AUDIT_RECORDS_INDEXES}
`;

/**
 * Where a record's resources go: its first in its own row's `name`, any further one in an
 * `audit_resources` row. The writer's inserts and prunes, the resource query and the upgrade all
 * place or find them through this.
 */
export const RESOURCE_PLACES = {
  /** A record's resources (distinct, in order): its row's name and its `audit_resources` rows. */
  split<T>(resources: readonly T[]): { first: T | undefined; further: readonly T[] } {
    return { first: resources[0], further: resources.slice(1) };
  },
  /**
   * The seq of every record that names one of the ids `ids` (a subquery) selects, through both name
   * indexes; `ids` appears twice, so its parameters are bound twice.
   */
  seqsNamed: (ids: string) =>
    `SELECT seq FROM audit_records WHERE name IN (${ids}) UNION ALL SELECT seq FROM audit_resources WHERE name IN (${ids})`,
  /**
   * The name ids of the records `records` (a condition on `audit_records`) and `resources` (one on
   * `audit_resources` selecting the same records' rows) select: two SELECTs of one column.
   */
  namesOf: (records: string, resources: string): readonly [string, string] => [
    `SELECT name FROM audit_records WHERE ${records} AND name IS NOT NULL`,
    `SELECT name FROM audit_resources WHERE ${resources}`,
  ],
  /** A condition: no record names the id `id` (a column). */
  unused: (id: string) =>
    `NOT EXISTS (SELECT 1 FROM audit_records WHERE name = ${id}) ` +
    `AND NOT EXISTS (SELECT 1 FROM audit_resources WHERE name = ${id})`,
} as const;

/**
 * The statement that raises `audit_seq_floor` to the `seq` that `select` (a SELECT of one column,
 * `seq`) yields, if any, so that position is never used again; never lowers it.
 */
export const raiseSeqFloor = (select: string): string =>
  // A `WHERE` before `ON CONFLICT` always: SQLite would read the ON of an upsert after FROM as a join's.
  `INSERT INTO audit_seq_floor (id, seq) SELECT 0, seq FROM (${select}) WHERE true ` +
  'ON CONFLICT (id) DO UPDATE SET seq = MAX(seq, excluded.seq)';

/** An `audit_resources` of an earlier layout: name and tail in each row (not interned). */
const OLD_AUDIT_RESOURCES =
  "SELECT 1 AS found FROM pragma_table_info('audit_resources') WHERE name = 'resource'";
/** An `audit_records` of an earlier layout: AUTOINCREMENT, no `name`. */
const OLD_AUDIT_RECORDS =
  "SELECT 1 AS found WHERE NOT EXISTS (SELECT 1 FROM pragma_table_info('audit_records') WHERE name = 'name')";

/**
 * Migrates the audit tables of every earlier layout into the current one, in ONE transaction: the
 * data dir is migrated completely, or not at all with the old tables left as they were. Asked again
 * inside the transaction: another connection to the same file (a second server started on the data
 * dir) may have migrated it since.
 */
export function upgradeAuditLayout(db: SqliteDatabase, groups: SqliteCommitGroups): void {
  const found = (sql: string) => db.prepare(sql).get() !== undefined;
  const isOld = () => found(OLD_AUDIT_RESOURCES) || found(OLD_AUDIT_RECORDS);
  if (!isOld()) return;
  try {
    groups.transaction(() => {
      if (found(OLD_AUDIT_RESOURCES)) migrateAuditResources(db);
      if (found(OLD_AUDIT_RECORDS)) migrateAuditRecords(db);
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

/**
 * Rebuilds an `audit_records` of an earlier layout (AUTOINCREMENT, no `name`) as the current one (see
 * `AUDIT_RECORDS`), after `migrateAuditResources`: the highest seq AUTOINCREMENT recorded becomes the
 * floor, so no position used before the upgrade is used again, even one whose row pruning or a clear
 * deleted; each record's first resource moves from `audit_resources` into its row.
 */
function migrateAuditRecords(db: SqliteDatabase): void {
  db.exec(raiseSeqFloor("SELECT seq FROM sqlite_sequence WHERE name = 'audit_records'"));
  db.exec(AUDIT_RECORDS('audit_records_v2'));
  // The first resource of a record is the first of its JSON's `resources`. A record whose JSON
  // SQLite cannot read (malformed, or nested past its depth limit: no store wrote one, but a data dir
  // is a file anyone can edit) keeps NULL there rather than failing the open; so does one whose name
  // is not interned (none is expected). Its resources stay in `audit_resources`, where a query finds
  // them all the same (`RESOURCE_PLACES.seqsNamed` looks in both).
  db.exec(
    'INSERT INTO audit_records_v2 (seq, time, service, location, operation, record, name) ' +
      'SELECT r.seq, r.time, r.service, r.location, r.operation, r.record, ' +
      '(SELECT n.id FROM audit_names n WHERE n.resource = ' +
      "CASE WHEN json_valid(r.record) THEN json_extract(r.record, '$.resources[0]') END) " +
      'FROM audit_records r',
  );
  db.exec(
    'DELETE FROM audit_resources WHERE (seq, name) IN (SELECT seq, name FROM audit_records_v2 WHERE name IS NOT NULL)',
  );
  // Drops the time index and AUTOINCREMENT's `sqlite_sequence` row with it.
  db.exec('DROP TABLE audit_records');
  db.exec('ALTER TABLE audit_records_v2 RENAME TO audit_records');
  db.exec(AUDIT_RECORDS_INDEXES);
}
