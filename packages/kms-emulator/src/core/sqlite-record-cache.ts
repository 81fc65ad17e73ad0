import { copyOf, deepFreeze } from './parsed-json.js';

/** Records kept parsed at most (a seed may create many keys; a server's load reads a few). */
const MAX_RECORDS = 10_000;

/**
 * The SQLite store's parsed records by kind and name, so a record read on every call (an AWS key) is
 * parsed once per write rather than once per read: a read is a copy of the frozen tree, a tenth of
 * a SELECT plus JSON.parse. It holds committed state only: a name written in the open transaction
 * (or any name, once the store is cleared in it) is neither served nor kept until that transaction
 * ends, committed or rolled back, since its write may yet be undone. What another connection commits
 * (a second server or process on the same data dir) is seen through SQLite's `PRAGMA data_version`,
 * which changes whenever another connection has committed (and may on its checkpoints): the store
 * passes it to `get`, and a version other than the one the records were read under empties the cache
 * first.
 */
export class SqliteRecordCache {
  readonly #records = new Map<string, Map<string, unknown>>();
  #size = 0;
  /** `kind\0name` of each record written in the open transaction. */
  readonly #written = new Set<string>();
  #cleared = false;

  /** The connection's `PRAGMA data_version` when the cached records were read. */
  #version: number | undefined;

  /**
   * A fresh copy of the cached record, or undefined when it is not cached. `dataVersion` is the
   * connection's `PRAGMA data_version`, read just before: when another connection committed since
   * the records were read, they are all forgotten.
   */
  get<T>(kind: string, name: string, dataVersion: number): T | undefined {
    if (dataVersion !== this.#version) {
      this.#forgetAll();
      this.#version = dataVersion;
    }
    const parsed = this.#records.get(kind)?.get(name);
    return parsed === undefined ? undefined : (copyOf(parsed) as T);
  }

  /** Parses a record read from the database, keeping it when it is committed state. */
  parse<T>(kind: string, name: string, json: string): T {
    const parsed: unknown = JSON.parse(json);
    if (this.#cleared || (this.#written.size > 0 && this.#written.has(`${kind}\0${name}`)))
      return parsed as T;
    if (this.#size >= MAX_RECORDS) this.#forgetAll();
    let names = this.#records.get(kind);
    if (!names) this.#records.set(kind, (names = new Map()));
    names.set(name, deepFreeze(parsed));
    this.#size++;
    return copyOf(parsed) as T;
  }

  /** The record is written (or deleted) in the open transaction. */
  written(kind: string, name: string): void {
    if (this.#records.get(kind)?.delete(name)) this.#size--;
    this.#written.add(`${kind}\0${name}`);
  }

  /** Every record is deleted in the open transaction. */
  cleared(): void {
    this.#forgetAll();
    this.#cleared = true;
  }

  /** The outermost transaction ended (committed or rolled back): nothing written is pending any more. */
  settled(): void {
    this.#written.clear();
    this.#cleared = false;
  }

  #forgetAll(): void {
    this.#records.clear();
    this.#size = 0;
  }
}
