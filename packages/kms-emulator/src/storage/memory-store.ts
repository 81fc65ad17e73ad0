import type { AliasRecord, AuditEvent, GrantRecord, KeyRecord } from '../engine/types.js';
import type { AuditQuery, KmsStore } from './store.js';

const clone = <T>(value: T): T => structuredClone(value);
const aliasKey = (accountId: string, region: string, name: string): string =>
  `${accountId}|${region}|${name}`;

/** In-memory store for tests; records are cloned in and out so callers cannot alias stored state. */
export class MemoryStore implements KmsStore {
  readonly #keys = new Map<string, KeyRecord>();
  readonly #aliases = new Map<string, AliasRecord>();
  readonly #grants = new Map<string, GrantRecord>();
  readonly #audit: AuditEvent[] = [];

  getKey(arn: string): KeyRecord | undefined {
    const record = this.#keys.get(arn);
    return record && clone(record);
  }
  putKey(record: KeyRecord): void {
    this.#keys.set(record.arn, clone(record));
  }
  deleteKey(arn: string): void {
    this.#keys.delete(arn);
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
    this.#aliases.set(aliasKey(record.accountId, record.region, record.aliasName), clone(record));
  }
  deleteAlias(accountId: string, region: string, aliasName: string): void {
    this.#aliases.delete(aliasKey(accountId, region, aliasName));
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
    this.#grants.set(record.grantId, clone(record));
  }
  deleteGrant(grantId: string): void {
    this.#grants.delete(grantId);
  }
  listGrants(keyArn: string): GrantRecord[] {
    return [...this.#grants.values()]
      .filter((g) => g.keyArn === keyArn)
      .sort((a, b) => a.creationDate - b.creationDate)
      .map(clone);
  }

  appendAudit(event: AuditEvent): void {
    this.#audit.push(clone(event));
  }
  queryAudit(query: AuditQuery): AuditEvent[] {
    return this.#audit.filter((e) => matchesAudit(e, query)).map(clone);
  }

  transaction<T>(fn: () => T): T {
    // Single-threaded and synchronous: nothing can interleave. Partial failure is the engine's to
    // avoid by validating before writing.
    return fn();
  }
  close(): void {}
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
