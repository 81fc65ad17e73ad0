import type { AuditPage, AuditPruning, AuditQuery, AuditRecord } from './audit-record.js';

/** One page of a listing, in name order. */
export interface ResourcePage<T> {
  records: T[];
  /** Set when more records may follow: the name to pass as `after` for the next page. */
  next?: string;
}

export interface ListQuery {
  /** Only names that start with this (e.g. `projects/p/locations/l/keyRings/r/cryptoKeys/`). */
  prefix?: string;
  /** Only resources that carry this lookup term (see `ResourceStore.put`). */
  term?: string;
  /** Only names after this one: keyset pagination (pass the previous page's `next`). */
  after?: string;
  /** At most this many records; listing is always bounded. */
  limit: number;
}

/**
 * The emulator's persistence, shared by every cloud's service model. A resource is a JSON-serializable
 * record filed under a `kind` (e.g. `aws.key`, `gcp.cryptoKeyVersion`, `azure.key`) and a `name`
 * unique within that kind. Names and terms are ASCII in practice and compared by code unit
 * (SQLite's BINARY collation on ASCII), so every listing is ordered by name and costs O(page), whatever
 * the store holds.
 *
 * Synchronous on purpose: a write made outside `groupedTransaction` is durable before it returns; one
 * made in a `groupedTransaction` is durable once `committed()` resolves, and nobody acknowledges it
 * before then, so an acknowledged call is never lost.
 * Implementations store records as given and never see raw key material (cloud modules wrap it under
 * the root key through `MaterialVault` first).
 */
export interface ResourceStore {
  get<T>(kind: string, name: string): T | undefined;
  /**
   * Inserts or replaces a resource. `terms` are the lookup keys it can be listed by (for example
   * `key:<arn>` and `retiring:<principal>` for an AWS grant); they replace the resource's previous terms.
   */
  put<T>(kind: string, name: string, record: T, terms?: readonly string[]): void;
  delete(kind: string, name: string): void;
  list<T>(kind: string, query: ListQuery): ResourcePage<T>;

  appendAudit(record: AuditRecord): void;
  /** Oldest first, at most `query.limit` records when set. */
  queryAudit(query: AuditQuery): AuditRecord[];
  /**
   * One page of matching records, oldest first, filtered in the store so a page costs O(page) (plus
   * the non-matching records it steps over), however long the log is.
   */
  pageAudit(query: AuditQuery & { limit: number }): AuditPage;
  /** Deletes the audit records the retention rule no longer keeps. */
  pruneAudit(pruning: AuditPruning): void;
  /** Deletes every resource and audit record (the admin reset); undone with its transaction. */
  clear(): void;

  /**
   * Runs `fn` atomically: when it throws, every write it made (nested transactions included) is undone
   * before the error propagates. A nested transaction that throws undoes only its own writes.
   */
  transaction<T>(fn: () => T): T;
  /**
   * Like `transaction` (atomic; a throw undoes only `fn`'s writes), but the commit may be shared with
   * other calls' (group commit): the writes are durable only once `committed()`, called right after
   * this returns or throws, resolves. Reads inside see the writes of earlier calls of the same group;
   * the audit records appended in it may be written only at the group's commit (the SQLite store
   * writes a group's in one statement), so audit queries see them once committed, as outside it.
   */
  groupedTransaction<T>(fn: () => T): T;
  /**
   * Settles once the writes of the last `groupedTransaction` are durable; rejects with
   * `StoreCommitError` when they were lost (the commit failed: nothing of the group was kept).
   */
  committed(): Promise<void>;
  close(): void;
}
