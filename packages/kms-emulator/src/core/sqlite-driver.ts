import { loadBetterSqlite3 } from './load-better-sqlite3.js';

/** The few SQLite calls the durable store makes, over either driver. */
export interface SqliteStatement<P extends unknown[], R> {
  run(...params: P): void;
  get(...params: P): R | undefined;
  all(...params: P): R[];
}

export interface SqliteDatabase {
  /** Which driver opened it: `node:sqlite` (built in) or `better-sqlite3` (native addon). */
  readonly driver: SqliteDriverName;
  exec(sql: string): void;
  prepare<P extends unknown[] = unknown[], R = unknown>(sql: string): SqliteStatement<P, R>;
  /** Runs `fn` in a transaction (a savepoint when nested): committed if it returns, undone if it throws. */
  transaction<T>(fn: () => T): T;
  /**
   * Opens a transaction that stays open across `transaction` calls (each then runs in a savepoint of
   * it) until `commit` or `rollback`: how the durable store shares one commit among many calls.
   */
  begin(): void;
  commit(): void;
  rollback(): void;
  /** Whether a transaction is open (SQLite's own view: false once a failed COMMIT rolled it back). */
  readonly inTransaction: boolean;
  close(): void;
}

export type SqliteDriverName = 'node:sqlite' | 'better-sqlite3';

/**
 * The driver for this Node.js: the built-in `node:sqlite` from Node 24 on (stable there, and no native
 * addon to build), better-sqlite3 before it. better-sqlite3 12 is also known to abort Node 24 from a
 * statement finalizer during garbage collection (`RemoveEnvironmentCleanupHook: (env) != nullptr`).
 */
export function defaultSqliteDriver(): SqliteDriverName {
  return Number(process.versions.node.split('.')[0]) >= 24 ? 'node:sqlite' : 'better-sqlite3';
}

/**
 * How long a transaction waits for another connection's write lock (a second server or process on the
 * same data dir writing) before it fails with SQLITE_BUSY. better-sqlite3 waits 5 s unless told
 * otherwise, node:sqlite not at all: set here for both, so either driver behaves the same. A writable
 * connection's transactions begin IMMEDIATE, taking the write lock at BEGIN, where the wait applies:
 * a deferred transaction that has read first and then finds the lock taken fails at once, without
 * waiting (SQLite cannot let it wait: its snapshot would be stale by the time the lock is free).
 */
export const SQLITE_BUSY_TIMEOUT_MS = 5000;

export function openSqlite(
  path: string,
  options: { readonly?: boolean; driver?: SqliteDriverName } = {},
): SqliteDatabase {
  const db =
    (options.driver ?? defaultSqliteDriver()) === 'node:sqlite'
      ? openNodeSqlite(path, options.readonly ?? false)
      : openBetterSqlite3(path, options.readonly ?? false);
  db.exec(`PRAGMA busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`);
  return db;
}

/**
 * Runs transaction-control SQL (BEGIN, SAVEPOINT, RELEASE …) as statements prepared once per text on
 * the connection `prepare` belongs to: `exec` would parse the SQL again on every call.
 */
export function controlStatements(prepare: (sql: string) => { run(): unknown }): (sql: string) => void {
  const prepared = new Map<string, { run(): unknown }>();
  return (sql) => {
    let statement = prepared.get(sql);
    if (!statement) prepared.set(sql, (statement = prepare(sql)));
    statement.run();
  };
}

/** See {@link SQLITE_BUSY_TIMEOUT_MS}. */
const beginSql = (readonly: boolean) => (readonly ? 'BEGIN' : 'BEGIN IMMEDIATE');

function openBetterSqlite3(path: string, readonly: boolean): SqliteDatabase {
  const Database = loadBetterSqlite3();
  const db = new Database(path, { readonly });
  // One transaction function for the connection, called with the work to run: `db.transaction(fn)`
  // builds four wrapped functions and their properties on every call, about a fifth of a durable
  // call's CPU when each call opens three (its own savepoint, the audit insert's and the prune's).
  const transaction = db.transaction((fn: () => unknown) => fn());
  const inTransaction = readonly ? transaction : transaction.immediate;
  const [begin, commit, rollback] = [beginSql(readonly), 'COMMIT', 'ROLLBACK'].map((sql) => db.prepare(sql));
  return {
    driver: 'better-sqlite3',
    exec: (sql) => void db.exec(sql),
    prepare: <P extends unknown[], R>(sql: string) => {
      const statement = db.prepare<P, R>(sql);
      return {
        run: (...params: P) => void statement.run(...params),
        get: (...params: P) => statement.get(...params),
        all: (...params: P) => statement.all(...params),
      };
    },
    transaction: <T>(fn: () => T) => inTransaction(fn) as T,
    begin: () => void begin!.run(),
    commit: () => void commit!.run(),
    rollback: () => void rollback!.run(),
    get inTransaction() {
      return db.inTransaction;
    },
    close: () => {
      if (db.open) db.close();
    },
  };
}

type SqlValue = null | number | bigint | string | Uint8Array;
/** The part of `node:sqlite` used here (its types are not in @types/node 20). */
interface NodeSqlite {
  DatabaseSync: new (
    path: string,
    options: { readOnly: boolean },
  ) => {
    readonly isOpen: boolean;
    exec(sql: string): void;
    prepare(sql: string): {
      run(...params: SqlValue[]): unknown;
      get(...params: SqlValue[]): unknown;
      all(...params: SqlValue[]): unknown[];
    };
    close(): void;
    /** Node 22.16+ and 24: whether a transaction is open. */
    readonly isTransaction?: boolean;
  };
}

function openNodeSqlite(path: string, readOnly: boolean): SqliteDatabase {
  const { DatabaseSync } = process.getBuiltinModule('node:sqlite') as NodeSqlite;
  const db = new DatabaseSync(path, { readOnly });
  // Open transactions and savepoints made through this wrapper (BEGIN counts as one).
  let depth = 0;
  // Transaction control as prepared statements, one set per savepoint depth.
  const run = controlStatements((sql) => db.prepare(sql));
  return {
    driver: 'node:sqlite',
    exec: (sql) => db.exec(sql),
    prepare: <P extends unknown[], R>(sql: string) => {
      const statement = db.prepare(sql);
      return {
        run: (...params: P) => void statement.run(...(params as SqlValue[])),
        get: (...params: P) => statement.get(...(params as SqlValue[])) as R | undefined,
        all: (...params: P) => statement.all(...(params as SqlValue[])) as R[],
      };
    },
    transaction: <T>(fn: () => T): T => {
      const savepoint = `envelope_${depth}`;
      run(depth === 0 ? beginSql(readOnly) : `SAVEPOINT ${savepoint}`);
      depth++;
      try {
        const result = fn();
        depth--;
        run(depth === 0 ? 'COMMIT' : `RELEASE ${savepoint}`);
        return result;
      } catch (error) {
        depth--;
        if (depth === 0) {
          run('ROLLBACK');
        } else {
          run(`ROLLBACK TO ${savepoint}`);
          run(`RELEASE ${savepoint}`);
        }
        throw error;
      }
    },
    begin: () => {
      run(beginSql(readOnly));
      depth++;
    },
    commit: () => {
      run('COMMIT');
      depth = 0;
    },
    rollback: () => {
      try {
        run('ROLLBACK');
      } finally {
        depth = 0;
      }
    },
    get inTransaction() {
      return db.isTransaction ?? depth > 0;
    },
    close: () => {
      if (db.isOpen) db.close();
    },
  };
}
