import {
  type AuditPage,
  type AuditPruning,
  type AuditQuery,
  type AuditRecord,
  matchesAudit,
} from './audit-record.js';
import { copyOf, deepFreeze } from './parsed-json.js';
import type { ListQuery, ResourcePage, ResourceStore } from './resource-store.js';
import { SortedNames } from './sorted-names.js';

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
  /**
   * The audit log, oldest first: slot `i` holds sequence number `#auditBase + i`, and the slots
   * before `#auditHead` are pruned (undefined). An array rather than a Map: pruning the oldest record
   * of a Map walks every deleted entry before it on each call until V8 rehashes the table, which made
   * each call at the retention bound cost tens of microseconds more.
   */
  #auditSlots: (StoredAudit | undefined)[] = [];
  #auditBase = 1;
  #auditHead = 0;
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
    const seq = this.#auditBase + this.#auditSlots.length;
    this.#auditSlots.push({
      time: record.time,
      service: record.service,
      location: record.location,
      operation: record.operation,
      resources: [...record.resources],
      json: JSON.stringify(record),
    });
    // Undo steps run newest first, so the record to undo is still the last slot (its index may have
    // moved if a later prune compacted the array; its sequence number has not).
    this.#undo?.push(() => {
      this.#auditSlots.length = seq - this.#auditBase;
    });
  }

  queryAudit(query: AuditQuery): AuditRecord[] {
    const out: AuditRecord[] = [];
    for (const [seq, stored] of this.#auditRecords()) {
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
    for (const [seq, record] of this.#auditRecords()) {
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
    this.#compactAudit();
    const slots = this.#auditSlots;
    let excess = pruning.maxEvents === undefined ? 0 : slots.length - this.#auditHead - pruning.maxEvents;
    const before = pruning.before?.getTime();
    while (this.#auditHead < slots.length) {
      const index = this.#auditHead;
      const record = slots[index]!;
      const old = before !== undefined && Date.parse(record.time) < before;
      if (excess <= 0 && !old) break;
      slots[index] = undefined;
      this.#auditHead = index + 1;
      const seq = this.#auditBase + index;
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
    const [slots, base, head] = [this.#auditSlots, this.#auditBase, this.#auditHead];
    this.#kinds.clear();
    // Sequence numbers keep rising across a clear, so an audit page position never repeats.
    this.#auditSlots = [];
    this.#auditBase = base + slots.length;
    this.#auditHead = 0;
    this.#undo?.push(() => {
      for (const [name, kind] of kinds) this.#kinds.set(name, kind);
      [this.#auditSlots, this.#auditBase, this.#auditHead] = [slots, base, head];
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

  /** Retained audit records with their sequence numbers, oldest first. */
  *#auditRecords(): Generator<[number, StoredAudit]> {
    const slots = this.#auditSlots;
    for (let i = this.#auditHead; i < slots.length; i++) {
      const record = slots[i];
      if (record) yield [this.#auditBase + i, record];
    }
  }

  /** Drops the pruned slots once they are most of the array (amortised O(1) per pruned record). */
  #compactAudit(): void {
    const head = this.#auditHead;
    if (head < 1024 || head * 2 < this.#auditSlots.length) return;
    this.#auditSlots = this.#auditSlots.slice(head);
    this.#auditBase += head;
    this.#auditHead = 0;
  }

  /** Undoes the pruning of `seq` (undo steps run newest first, so it goes back just before the head). */
  #restoreAudit(seq: number, record: StoredAudit): void {
    if (seq < this.#auditBase) {
      // Compacted away since: give the array its slots back.
      const missing = this.#auditBase - seq;
      this.#auditSlots = [...new Array<undefined>(missing), ...this.#auditSlots];
      this.#auditBase = seq;
      this.#auditHead += missing;
    }
    const index = seq - this.#auditBase;
    this.#auditSlots[index] = record;
    this.#auditHead = Math.min(this.#auditHead, index);
  }
}
