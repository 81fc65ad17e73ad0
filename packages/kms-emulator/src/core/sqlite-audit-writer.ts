import { type AuditPruning, type AuditRecord, lastSegment } from './audit-record.js';
import { RESOURCE_PLACES, raiseSeqFloor } from './sqlite-audit-schema.js';
import type { DeferredWrites } from './sqlite-commit-group.js';
import type { SqliteStatement } from './sqlite-driver.js';

/** An audit record as its `audit_records` row, before it has a `seq`. */
interface AuditRow {
  readonly time: number;
  readonly service: string;
  readonly location: string;
  readonly operation: string;
  readonly json: string;
  readonly resources: readonly string[];
}

/** What a grouped call deferred: an audit row, a retention rule to apply, or a clear of the log. */
type Deferred = { row: AuditRow } | { prune: AuditPruning } | { clear: true };

/** Rows per multi-row INSERT (seven parameters each for `audit_records`, two for `audit_resources`). */
const ROWS_PER_INSERT = 64;

/**
 * How a multi-row INSERT fails. A plain `INSERT` that fails undoes only itself, so SQLite keeps a
 * statement journal for it: an in-memory copy of each page it changes, freshly allocated each time.
 * A group's rows are written in its transaction right before its COMMIT, where any failure loses the
 * whole group anyway (`SqliteCommitGroups`): there `INSERT OR ROLLBACK`, which ends the transaction
 * on a failed constraint, needs no journal. Rows written at once, in a caller's transaction that may
 * go on after catching the error, keep the plain `INSERT`.
 */
type AuditInsert = 'INSERT' | 'INSERT OR ROLLBACK';

/**
 * The text of each multi-row INSERT, by statement, table and row count: built once, not per commit
 * (building it and hashing the fresh string to find its prepared statement cost ≈ 2 µs a commit).
 * At most 2 × 2 × `ROWS_PER_INSERT` texts.
 */
const INSERT_TEXTS = new Map<AuditInsert, Map<string, string[]>>();

/** `INSERT INTO table (columns) VALUES (?, …), …` for `rows` rows. */
function insertRows(insert: AuditInsert, table: string, columns: readonly string[], rows: number): string {
  let tables = INSERT_TEXTS.get(insert);
  if (!tables) INSERT_TEXTS.set(insert, (tables = new Map()));
  let texts = tables.get(table);
  if (!texts) tables.set(table, (texts = []));
  return (texts[rows] ??= `${insert} INTO ${table} (${columns.join(', ')}) VALUES ${Array.from(
    { length: rows },
    () => `(${columns.map(() => '?').join(', ')})`,
  ).join(', ')}`);
}

const RECORD_COLUMNS = ['seq', 'time', 'service', 'location', 'operation', 'record', 'name'] as const;
const RESOURCE_COLUMNS = ['seq', 'name'] as const;

/** Interned names kept at most (a server's load touches a few keys; a seed or a scan may touch many). */
const MAX_NAMES = 10_000;

/**
 * The SQLite store's audit log writes. Outside a grouped call, an audit row (and a prune) is written
 * at once, in the caller's transaction. In a grouped call it is deferred (`DeferredWrites`) to the
 * group's COMMIT: the rows of all the group's calls go in one multi-row INSERT into `audit_records`
 * (and one into `audit_resources` for the records with more than one resource), and the retention
 * rule is checked once per group, not per call;
 * all in the group's transaction, before any call of it is answered, so an acknowledged call always
 * has its audit row. A deferred row undone with its savepoint (the call threw) is dropped.
 *
 * `seq` is assigned here, in the order rows are written (always append order: a plain transaction
 * joining a group writes the group's rows first), after the highest ever used, so a position is never
 * reused and an audit cursor never skips a newer record. The highest is the last row's, unless a
 * delete took the last row too: a clear, a prune by count that kept nothing of the log, or a prune by
 * age that took the last row (all of them, or the last alone when times went backwards). Only those
 * write its seq to `audit_seq_floor` (in their transaction), so an append writes no sequence page:
 * its rows, and a new resource name's `audit_names` row (which, AUTOINCREMENT, rewrites its
 * `sqlite_sequence` row: once per name first seen, see sqlite-audit-schema.ts), where AUTOINCREMENT
 * on `audit_records` rewrote `sqlite_sequence` (one more 4 KiB WAL frame) on every commit. The next
 * `seq` is read from the database once, then kept across this connection's commits for as long as its
 * `PRAGMA data_version` (the store reads it once per transaction) shows no other connection committed;
 * so are the ids of the resource names in `audit_names`, which the writer interns, and removes once
 * pruning left no row referring to them.
 */
export class SqliteAuditWriter implements DeferredWrites {
  readonly #deferred: Deferred[] = [];
  /**
   * The next `seq`, valid while the connection's data version is `#nextVersion`: another connection to
   * the same file may append rows between two of our transactions, and then the version differs.
   * Forgotten when a transaction rolls back (`undo`), since its rows are gone.
   */
  #next: number | undefined;
  #nextVersion: number | undefined;
  /** The `audit_names` id of each name, valid with `#next` (same version, forgotten on `undo`). */
  readonly #names = new Map<string, number>();
  /**
   * No row has a `seq` below this (unknown when undefined): pruning by count needs no query while the
   * cutoff is below it. Rows only ever disappear at the low end (pruning, a clear) or come after the
   * highest, whichever connection writes them, so it stays a lower bound across commits; only a
   * rollback (of a prune) can bring rows back below it (`undo`).
   */
  #lowest: number | undefined;

  /**
   * `version` is the connection's `PRAGMA data_version` in the open transaction (it changes whenever
   * another connection committed, and may on its checkpoints: a spurious change only re-reads).
   */
  constructor(
    private readonly sql: <R = unknown>(text: string) => SqliteStatement<unknown[], R>,
    private readonly version: () => number,
  ) {}

  append(record: AuditRecord, defer: boolean): void {
    // Serialized now, so a record that cannot be fails the call that appends it.
    const row: AuditRow = {
      time: Date.parse(record.time),
      service: record.service,
      location: record.location,
      operation: record.operation,
      json: JSON.stringify(record),
      resources: [...new Set(record.resources)],
    };
    if (defer) this.#deferred.push({ row });
    else this.#insert([row], 'INSERT');
  }

  prune(pruning: AuditPruning, defer: boolean): void {
    if (defer) this.#deferred.push({ prune: pruning });
    else this.#prune(pruning);
  }

  /**
   * Deletes the whole log (with the names) in the open transaction; rows deferred before it are dropped
   * with it (unless the clear is undone).
   */
  clear(defer: boolean): void {
    this.#keepHighest('true');
    for (const table of ['audit_records', 'audit_resources', 'audit_names'])
      this.sql(`DELETE FROM ${table}`).run();
    this.#names.clear();
    if (defer) this.#deferred.push({ clear: true });
  }

  mark(): number {
    return this.#deferred.length;
  }

  undo(mark: number): void {
    this.#deferred.length = mark;
    this.#next = undefined;
    this.#names.clear();
    this.#lowest = undefined;
  }

  drop(): void {
    this.undo(0);
  }

  write(): void {
    if (this.#deferred.length === 0) return;
    let rows: AuditRow[] = [];
    let pruning: AuditPruning | undefined;
    for (const entry of this.#deferred) {
      if ('row' in entry) rows.push(entry.row);
      else if ('prune' in entry) pruning = entry.prune;
      else rows = [];
    }
    // Taken before writing: a failure leaves the transaction to be rolled back, and these with it.
    this.#deferred.length = 0;
    if (rows.length) this.#insert(rows, 'INSERT OR ROLLBACK');
    if (pruning) this.#prune(pruning);
  }

  /** `#next` while it is still valid (no other connection committed since it was read), else undefined. */
  #knownNext(): number | undefined {
    return this.#nextVersion === this.version() ? this.#next : undefined;
  }

  #insert(rows: readonly AuditRow[], insert: AuditInsert): void {
    let seq = this.#knownNext();
    if (seq === undefined) {
      this.#names.clear();
      seq = this.#highestSeq() + 1;
      this.#nextVersion = this.version();
    }
    const records: unknown[] = [];
    const resources: unknown[] = [];
    for (const row of rows) {
      const { first, further } = RESOURCE_PLACES.split(row.resources);
      records.push(seq, row.time, row.service, row.location, row.operation, row.json);
      records.push(first === undefined ? null : this.#nameId(first));
      for (const resource of further) resources.push(seq, this.#nameId(resource));
      seq++;
    }
    this.#insertRows(insert, 'audit_records', RECORD_COLUMNS, records);
    this.#insertRows(insert, 'audit_resources', RESOURCE_COLUMNS, resources);
    this.#next = seq;
  }

  #insertRows(
    insert: AuditInsert,
    table: string,
    columns: readonly string[],
    values: readonly unknown[],
  ): void {
    const perInsert = ROWS_PER_INSERT * columns.length;
    for (let start = 0; start < values.length; start += perInsert) {
      const chunk = values.slice(start, start + perInsert);
      this.sql(insertRows(insert, table, columns, chunk.length / columns.length)).run(...chunk);
    }
  }

  /** The id of `resource` in `audit_names`, added when it has none. */
  #nameId(resource: string): number {
    let id = this.#names.get(resource);
    if (id !== undefined) return id;
    const found = this.sql<{ id: number }>('SELECT id FROM audit_names WHERE resource = ?').get(resource);
    id = Number(
      (
        found ??
        this.sql<{ id: number }>('INSERT INTO audit_names (resource, tail) VALUES (?, ?) RETURNING id').get(
          resource,
          lastSegment(resource),
        )!
      ).id,
    );
    if (this.#names.size >= MAX_NAMES) this.#names.clear();
    this.#names.set(resource, id);
    return id;
  }

  /**
   * Deletes the records `records` selects and their resource rows (`resources`, the same condition
   * on `audit_resources`; both take the one parameter `bound`), then the names no row refers to any
   * more. The candidate names are gathered in SQL, in a temporary table of this connection, never in
   * JavaScript: the first prune of a large log (retention just configured, a migrated data dir, an
   * age prune after downtime) deletes millions of rows.
   */
  #deleteRecords(records: string, resources: string, bound: number): void {
    // Made again each time: a temporary table made in a transaction that rolls back is gone with it.
    this.sql('CREATE TEMP TABLE IF NOT EXISTS audit_pruned_names (id INTEGER PRIMARY KEY)').run();
    // Not SELECT DISTINCT: SQLite would answer that by scanning the name index.
    for (const names of RESOURCE_PLACES.namesOf(records, resources))
      this.sql(`INSERT OR IGNORE INTO temp.audit_pruned_names (id) ${names}`).run(bound);
    this.sql(`DELETE FROM audit_resources WHERE ${resources}`).run(bound);
    this.sql(`DELETE FROM audit_records WHERE ${records}`).run(bound);
    const removed = this.sql<{ resource: string }>(
      'DELETE FROM audit_names WHERE id IN (SELECT id FROM temp.audit_pruned_names) ' +
        `AND ${RESOURCE_PLACES.unused('audit_names.id')} RETURNING resource`,
    ).all();
    for (const { resource } of removed) this.#names.delete(resource);
    this.sql('DELETE FROM temp.audit_pruned_names').run();
  }

  /** The highest `seq` ever used (0 for none): the last row's, or the floor a delete of it left. */
  #highestSeq(): number {
    // Each MAX alone in its SELECT: SQLite answers that from the end of the index, where a MAX
    // combined with anything else in one SELECT scans the table.
    const { floor, row } = this.sql<{ floor: number | null; row: number | null }>(
      'SELECT (SELECT seq FROM audit_seq_floor) AS floor, (SELECT MAX(seq) FROM audit_records) AS row',
    ).get()!;
    return Math.max(Number(floor ?? 0), Number(row ?? 0));
  }

  /**
   * Before a delete that may take the last row (`where`, a condition on the last row alone, says
   * whether it does): raises `audit_seq_floor` to its seq, so that seq is never used again.
   */
  #keepHighest(where: string, ...bound: number[]): void {
    this.sql(
      raiseSeqFloor(
        `SELECT seq FROM (SELECT seq, time FROM audit_records ORDER BY seq DESC LIMIT 1) WHERE ${where}`,
      ),
    ).run(...bound);
  }

  /**
   * Keeps the newest `maxEvents` rows. Right after this connection appended (a group's COMMIT), the
   * highest `seq` is known and, while the cutoff is below `#lowest`, finding out there is nothing to
   * delete costs no query; otherwise two index probes.
   */
  #pruneToCount(maxEvents: number): void {
    const next = this.#knownNext();
    if (next !== undefined && this.#lowest !== undefined && next - 1 - maxEvents < this.#lowest) return;
    const bounds = this.sql<{ lowest: number | null; highest: number | null }>(
      'SELECT (SELECT MIN(seq) FROM audit_records) AS lowest, (SELECT MAX(seq) FROM audit_records) AS highest',
    ).get()!;
    if (bounds.lowest === null || bounds.highest === null) return;
    const cutoff = Number(bounds.highest) - maxEvents;
    this.#lowest = Number(bounds.lowest);
    if (this.#lowest > cutoff) return;
    if (cutoff >= Number(bounds.highest)) this.#keepHighest('true');
    this.#deleteRecords('seq <= ?', 'seq <= ?', cutoff);
    this.#lowest = cutoff + 1;
  }

  /** Deletes what `pruning` no longer keeps; finding out there is nothing to delete costs index probes. */
  #prune(pruning: AuditPruning): void {
    const { maxEvents, before } = pruning;
    if (maxEvents !== undefined) this.#pruneToCount(maxEvents);
    if (before !== undefined) {
      const { oldest } = this.sql<{ oldest: number | null }>(
        'SELECT MIN(time) AS oldest FROM audit_records',
      ).get()!;
      const until = before.getTime();
      if (oldest !== null && Number(oldest) < until) {
        this.#keepHighest('time < ?', until);
        this.#deleteRecords('time < ?', 'seq IN (SELECT seq FROM audit_records WHERE time < ?)', until);
      }
    }
  }
}
