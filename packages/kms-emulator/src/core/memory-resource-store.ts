import {
  type AuditPage,
  type AuditPruning,
  type AuditQuery,
  type AuditRecord,
  matchesAudit,
} from './audit-record.js';
import type { ListQuery, ResourcePage, ResourceStore } from './resource-store.js';
import { SortedNames } from './sorted-names.js';

const clone = <T>(value: T): T => structuredClone(value);

/**
 * An audit record as the memory store keeps it: the fields queries filter on, and the record itself as
 * JSON text, parsed only when read. A record is written on every call and read rarely: serialising it
 * costs half a structured clone, and the text cannot alias the caller's objects. About 0.8 KiB of heap
 * per retained event either way; the server bounds how many it retains (docs/kms-server.md).
 */
interface StoredAudit {
  readonly time: string;
  readonly service: string;
  readonly location: string;
  readonly operation: string;
  readonly resources: string[];
  readonly json: string;
}

interface Entry {
  record: unknown;
  terms: readonly string[];
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
 * records how to undo itself, and a throw replays those undo steps newest first. Records are cloned
 * in and out so callers cannot alias stored state. Listing is O(log n + page).
 */
export class MemoryResourceStore implements ResourceStore {
  readonly #kinds = new Map<string, Kind>();
  /** Sequence number → record, oldest first. */
  readonly #audit = new Map<number, StoredAudit>();
  #nextSeq = 1;
  /** Undo steps of the open transaction, if any. */
  #undo: (() => void)[] | undefined;

  get<T>(kind: string, name: string): T | undefined {
    const entry = this.#kinds.get(kind)?.entries.get(name);
    return entry && (clone(entry.record) as T);
  }

  put<T>(kind: string, name: string, record: T, terms: readonly string[] = []): void {
    const k = this.#kind(kind);
    this.#remember(k, name);
    k.set(name, { record: clone(record), terms: [...new Set(terms)] });
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
    const records = names.map((name) => clone(k.entries.get(name)!.record) as T);
    return more ? { records, next: names[names.length - 1]! } : { records };
  }

  appendAudit(record: AuditRecord): void {
    const seq = this.#nextSeq++;
    this.#audit.set(seq, {
      time: record.time,
      service: record.service,
      location: record.location,
      operation: record.operation,
      resources: [...record.resources],
      json: JSON.stringify(record),
    });
    this.#undo?.push(() => this.#audit.delete(seq));
  }

  queryAudit(query: AuditQuery): AuditRecord[] {
    const out: AuditRecord[] = [];
    for (const [seq, stored] of this.#audit) {
      if (query.limit !== undefined && out.length >= query.limit) break;
      if (query.after !== undefined && seq <= query.after) continue;
      if (matchesAudit(stored, query)) out.push(JSON.parse(stored.json) as AuditRecord);
    }
    return out;
  }

  pageAudit(query: AuditQuery & { limit: number }): AuditPage {
    const records: AuditRecord[] = [];
    if (query.limit <= 0) return { records };
    let last = 0;
    for (const [seq, record] of this.#audit) {
      if (query.after !== undefined && seq <= query.after) continue;
      if (!matchesAudit(record, query)) continue;
      if (records.length === query.limit) return { records, next: last };
      records.push(JSON.parse(record.json) as AuditRecord);
      last = seq;
    }
    return { records };
  }

  pruneAudit(pruning: AuditPruning): void {
    // Oldest first, stopping at the first record the rule keeps: O(records deleted).
    let excess = pruning.maxEvents === undefined ? 0 : this.#audit.size - pruning.maxEvents;
    const before = pruning.before?.getTime();
    for (const [seq, record] of this.#audit) {
      const old = before !== undefined && Date.parse(record.time) < before;
      if (excess <= 0 && !old) break;
      this.#audit.delete(seq);
      this.#undo?.push(() => this.#restoreAudit(seq, record));
      excess--;
    }
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
    const audit = new Map(this.#audit);
    this.#kinds.clear();
    this.#audit.clear();
    this.#undo?.push(() => {
      for (const [name, kind] of kinds) this.#kinds.set(name, kind);
      for (const [seq, record] of audit) this.#audit.set(seq, record);
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

  #restoreAudit(seq: number, record: StoredAudit): void {
    const records = [...this.#audit, [seq, record] as const].sort(([a], [b]) => a - b);
    this.#audit.clear();
    for (const [s, r] of records) this.#audit.set(s, r);
  }
}
