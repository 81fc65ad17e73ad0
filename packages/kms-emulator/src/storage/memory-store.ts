import type { AliasRecord, AuditEvent, GrantRecord, KeyRecord } from '../engine/types.js';
import type { AuditPruning, AuditQuery, KmsStore } from './store.js';

const clone = <T>(value: T): T => structuredClone(value);
const aliasKey = (accountId: string, region: string, name: string): string =>
  `${accountId}|${region}|${name}`;

/**
 * In-memory store for tests, with the same transaction semantics as `SqliteStore`: every write inside
 * `transaction` records how to undo itself, and a throw replays those undo steps newest first.
 * Records are cloned in and out so callers cannot alias stored state.
 */
export class MemoryStore implements KmsStore {
  readonly #keys = new Map<string, KeyRecord>();
  readonly #aliases = new Map<string, AliasRecord>();
  readonly #grants = new Map<string, GrantRecord>();
  /** Sequence number → event, oldest first (an undo that re-inserts one restores the order). */
  readonly #audit = new Map<number, AuditEvent>();
  #nextSeq = 1;
  /** Undo steps of the open transaction, if any. */
  #undo: (() => void)[] | undefined;

  getKey(arn: string): KeyRecord | undefined {
    const record = this.#keys.get(arn);
    return record && clone(record);
  }
  putKey(record: KeyRecord): void {
    this.#set(this.#keys, record.arn, clone(record));
  }
  deleteKey(arn: string): void {
    this.#delete(this.#keys, arn);
  }
  listKeys(accountId: string, region: string): KeyRecord[] {
    return [...this.#keys.values()]
      .filter((k) => k.accountId === accountId && k.region === region)
      .sort((a, b) => a.creationDate - b.creationDate || a.arn.localeCompare(b.arn))
      .map(clone);
  }

  getAlias(accountId: string, region: string, aliasName: string): AliasRecord | undefined {
    const record = this.#aliases.get(aliasKey(accountId, region, aliasName));
    return record && clone(record);
  }
  putAlias(record: AliasRecord): void {
    this.#set(this.#aliases, aliasKey(record.accountId, record.region, record.aliasName), clone(record));
  }
  deleteAlias(accountId: string, region: string, aliasName: string): void {
    this.#delete(this.#aliases, aliasKey(accountId, region, aliasName));
  }
  listAliases(accountId: string, region: string): AliasRecord[] {
    return [...this.#aliases.values()]
      .filter((a) => a.accountId === accountId && a.region === region)
      .sort((a, b) => a.aliasName.localeCompare(b.aliasName))
      .map(clone);
  }

  getGrant(grantId: string): GrantRecord | undefined {
    const record = this.#grants.get(grantId);
    return record && clone(record);
  }
  putGrant(record: GrantRecord): void {
    this.#set(this.#grants, record.grantId, clone(record));
  }
  deleteGrant(grantId: string): void {
    this.#delete(this.#grants, grantId);
  }
  listGrants(keyArn: string): GrantRecord[] {
    return [...this.#grants.values()]
      .filter((g) => g.keyArn === keyArn)
      .sort((a, b) => a.creationDate - b.creationDate)
      .map(clone);
  }

  appendAudit(event: AuditEvent): void {
    this.#set(this.#audit, this.#nextSeq++, clone(event));
  }
  queryAudit(query: AuditQuery): AuditEvent[] {
    return [...this.#audit.values()].filter((e) => matchesAudit(e, query)).map(clone);
  }
  pruneAudit(pruning: AuditPruning): void {
    // Oldest first, stopping at the first event the rule keeps: O(events deleted).
    let excess = pruning.maxEvents === undefined ? 0 : this.#audit.size - pruning.maxEvents;
    const before = pruning.before?.getTime();
    for (const [seq, event] of this.#audit) {
      const old = before !== undefined && Date.parse(event.eventTime) < before;
      if (excess <= 0 && !old) break;
      this.#delete(this.#audit, seq);
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
  close(): void {}

  #set<K, V>(map: Map<K, V>, key: K, value: V): void {
    this.#remember(map, key);
    map.set(key, value);
  }
  #delete<K, V>(map: Map<K, V>, key: K): void {
    this.#remember(map, key);
    map.delete(key);
  }
  /** Inside a transaction, records how to put `key` back as it is now. */
  #remember<K, V>(map: Map<K, V>, key: K): void {
    if (!this.#undo) return;
    const had = map.has(key);
    const previous = map.get(key);
    this.#undo.push(() => {
      if (!had) map.delete(key);
      else if ((map as Map<unknown, unknown>) === this.#audit)
        this.#restoreAudit(key as number, previous as AuditEvent);
      else map.set(key, previous as V);
    });
  }
  #restoreAudit(seq: number, event: AuditEvent): void {
    const events = [...this.#audit, [seq, event] as const].sort(([a], [b]) => a - b);
    this.#audit.clear();
    for (const [s, e] of events) this.#audit.set(s, e);
  }
}

export function matchesAudit(event: AuditEvent, query: AuditQuery): boolean {
  if (query.since && Date.parse(event.eventTime) < query.since.getTime()) return false;
  if (query.keyId) {
    const wanted = query.keyId;
    const hit =
      event.keyId === wanted || event.resources.some((r) => r.ARN === wanted || r.ARN.endsWith(`/${wanted}`));
    if (!hit) return false;
  }
  return true;
}
