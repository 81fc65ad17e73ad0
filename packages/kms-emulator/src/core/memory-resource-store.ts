import type { AuditPage, AuditPruning, AuditQuery, AuditRecord } from './audit-record.js';
import { MemoryAuditLog } from './memory-audit-log.js';
import { copyOf, deepFreeze } from './parsed-json.js';
import type { ListQuery, ResourcePage, ResourceStore } from './resource-store.js';
import { SortedNames } from './sorted-names.js';

interface Entry {
  /** The record as JSON text, as the SQLite store keeps it: what a write stores, so nothing aliases it. */
  readonly json: string;
  readonly terms: readonly string[];
  /**
   * The record parsed from `json` and deep-frozen, made on its first read: a key is read on every
   * call and written rarely, so it is parsed once per write instead of once per read. A write
   * replaces the whole entry, which is what invalidates it.
   */
  parsed?: unknown;
}

/**
 * A fresh copy of the entry's record (callers update what they read before writing it back), made from
 * its parsed tree: a plain walk costs about a quarter of parsing the text again.
 */
function recordOf<T>(entry: Entry): T {
  if (entry.parsed === undefined) entry.parsed = deepFreeze(JSON.parse(entry.json));
  return copyOf(entry.parsed) as T;
}

/** One kind's resources: records by name, every name in order, and the names under each term. */
class Kind {
  readonly entries = new Map<string, Entry>();
  readonly names = new SortedNames();
  readonly byTerm = new Map<string, SortedNames>();

  set(name: string, entry: Entry): void {
    this.remove(name);
    this.entries.set(name, entry);
    this.names.add(name);
    for (const term of entry.terms) {
      let names = this.byTerm.get(term);
      if (!names) this.byTerm.set(term, (names = new SortedNames()));
      names.add(name);
    }
  }

  remove(name: string): void {
    const old = this.entries.get(name);
    if (!old) return;
    this.entries.delete(name);
    this.names.remove(name);
    for (const term of old.terms) {
      const names = this.byTerm.get(term);
      names?.remove(name);
      if (names?.size === 0) this.byTerm.delete(term);
    }
  }
}

const COMMITTED = Promise.resolve();

/**
 * In-memory store with the same semantics as the SQLite one: every write inside `transaction`
 * records how to undo itself, and a throw replays those undo steps newest first. Records are kept as
 * JSON text, as SQLite keeps them, so callers cannot alias stored state; each read copies one
 * deep-frozen parse of that text made per write, instead of parsing the text again. Listing is O(log n + page);
 * appending and pruning the audit log are O(1) per record, however many it retains.
 */
export class MemoryResourceStore implements ResourceStore {
  readonly #kinds = new Map<string, Kind>();
  /** The audit log, as bytes outside the JS heap (see MemoryAuditLog). */
  readonly #audit = new MemoryAuditLog();
  /** Undo steps of the open transaction, if any. */
  #undo: (() => void)[] | undefined;

  get<T>(kind: string, name: string): T | undefined {
    const entry = this.#kinds.get(kind)?.entries.get(name);
    return entry && recordOf<T>(entry);
  }

  put<T>(kind: string, name: string, record: T, terms: readonly string[] = []): void {
    const k = this.#kind(kind);
    this.#remember(k, name);
    k.set(name, { json: JSON.stringify(record), terms: [...new Set(terms)] });
  }

  delete(kind: string, name: string): void {
    const k = this.#kinds.get(kind);
    if (!k?.entries.has(name)) return;
    this.#remember(k, name);
    k.remove(name);
  }

  list<T>(kind: string, query: ListQuery): ResourcePage<T> {
    const k = this.#kinds.get(kind);
    const index = query.term === undefined ? k?.names : k?.byTerm.get(query.term);
    if (!k || !index || query.limit <= 0) return { records: [] };
    const { names, more } = index.page(query.prefix ?? '', query.after, query.limit);
    const records = names.map((name) => recordOf<T>(k.entries.get(name)!));
    return more ? { records, next: names[names.length - 1]! } : { records };
  }

  appendAudit(record: AuditRecord): void {
    this.#audit.append(record, this.#undo);
  }

  queryAudit(query: AuditQuery): AuditRecord[] {
    return this.#audit.query(query);
  }

  pageAudit(query: AuditQuery & { limit: number }): AuditPage {
    return this.#audit.page(query);
  }

  pruneAudit(pruning: AuditPruning): void {
    this.#audit.prune(pruning, this.#undo);
  }

  transaction<T>(fn: () => T): T {
    const outermost = this.#undo === undefined;
    const undo = (this.#undo ??= []);
    const mark = undo.length;
    try {
      return fn();
    } catch (error) {
      while (undo.length > mark) undo.pop()!();
      throw error;
    } finally {
      if (outermost) this.#undo = undefined;
    }
  }

  /** Nothing to share: memory is "committed" when `fn` returns. */
  groupedTransaction<T>(fn: () => T): T {
    return this.transaction(fn);
  }

  committed(): Promise<void> {
    return COMMITTED;
  }

  clear(): void {
    const kinds = new Map(this.#kinds);
    this.#kinds.clear();
    this.#audit.clear(this.#undo);
    this.#undo?.push(() => {
      for (const [name, kind] of kinds) this.#kinds.set(name, kind);
    });
  }

  close(): void {}

  #kind(kind: string): Kind {
    let k = this.#kinds.get(kind);
    if (!k) this.#kinds.set(kind, (k = new Kind()));
    return k;
  }

  /** Inside a transaction, records how to put `name` back as it is now. */
  #remember(k: Kind, name: string): void {
    if (!this.#undo) return;
    const previous = k.entries.get(name);
    this.#undo.push(() => (previous ? k.set(name, previous) : k.remove(name)));
  }
}
