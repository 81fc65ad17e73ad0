import { InvalidArgumentError } from '@envelope/core';
import type { SqliteDatabase } from './sqlite-driver.js';
import { StoreCommitError } from './store-commit-error.js';

/** At most this many calls share one commit (the other bound is one event-loop turn). */
export const DEFAULT_MAX_GROUP_CALLS = 64;

interface OpenGroup {
  members: number;
  readonly resolve: () => void;
  readonly reject: (error: StoreCommitError) => void;
}

const COMMITTED = Promise.resolve();

/**
 * Group commit over one SQLite connection. The first grouped transaction of an event-loop turn opens
 * a transaction (`BEGIN`); it and every grouped transaction after it run in their own savepoint of it
 * (one that throws undoes only its own writes), and one `COMMIT` — one WAL sync under
 * `synchronous = FULL` — ends the group on `setImmediate`, or as soon as it holds `maxCalls` calls.
 * Callers answer only once `committed()` resolves; when the COMMIT fails every call of the group is
 * rejected with `StoreCommitError` and nothing of it is kept.
 *
 * A plain `transaction` (admin reset, seed, key import, timers) stays durable when it returns: run
 * while a group is open, it joins the group and commits it at once. So does a read outside any
 * transaction, so that nothing uncommitted is ever seen outside the group's own calls.
 */
export class SqliteCommitGroups {
  #open: OpenGroup | undefined;
  /** The outcome of the last group opened (settled once it commits or fails). */
  #last: Promise<void> = COMMITTED;
  #depth = 0;
  #commits = 0;

  constructor(
    private readonly db: SqliteDatabase,
    private readonly maxCalls: number,
    /** Told after each group's COMMIT (the store's checkpointer). */
    private readonly onGroupCommit: () => void = () => {},
  ) {
    if (!(Number.isInteger(maxCalls) && maxCalls > 0)) {
      throw new InvalidArgumentError(
        `maxGroupCalls must be a positive integer (how many calls may share one commit), got ${maxCalls}`,
      );
    }
  }

  /** Transactions committed so far (grouped or not): each is one WAL sync under `synchronous = FULL`. */
  get commits(): number {
    return this.#commits;
  }

  /** Runs `fn` atomically; its writes are durable when this returns. */
  transaction<T>(fn: () => T): T {
    if (this.#depth > 0) return this.#nested(fn);
    if (!this.#open) {
      const value = this.#nested(fn);
      this.#commits++;
      return value;
    }
    const value = this.#nested(fn);
    const failure = this.#commit();
    if (failure) throw failure;
    return value;
  }

  /** Runs `fn` atomically in the open group; its writes are durable once `committed()` resolves. */
  grouped<T>(fn: () => T): T {
    if (this.#depth > 0) return this.#nested(fn);
    // A full group, or one SQLite rolled back under us (a failed statement can end the transaction):
    // settle it before joining, so no call ever runs outside the group it will be answered with.
    if (this.#open && (this.#open.members >= this.maxCalls || !this.db.inTransaction)) this.#commit();
    const group = this.#open ?? this.#begin();
    const value = this.#nested(fn);
    group.members++;
    return value;
  }

  /**
   * Settles when the group the last `grouped` call joined is durable; rejects with `StoreCommitError`
   * when it was lost. Call it right after `grouped` returns or throws (before yielding).
   */
  committed(): Promise<void> {
    return this.#last;
  }

  /** Before a read outside any transaction: commits the open group so the read sees only durable state. */
  settleForRead(): void {
    if (this.#depth === 0 && this.#open) this.#commit();
  }

  /** Commits the open group (on close). */
  flush(): void {
    if (this.#open) this.#commit();
  }

  #begin(): OpenGroup {
    this.db.begin();
    let resolve!: () => void;
    let reject!: (error: StoreCommitError) => void;
    const done = new Promise<void>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    done.catch(() => {}); // each member awaits it; a group nobody waits for must not be "unhandled"
    const group: OpenGroup = { members: 0, resolve, reject };
    this.#open = group;
    this.#last = done;
    setImmediate(() => {
      if (this.#open === group) this.#commit();
    });
    return group;
  }

  /** Ends the open group: resolves its calls, or rejects them all and returns the error. */
  #commit(): StoreCommitError | undefined {
    const group = this.#open!;
    this.#open = undefined;
    try {
      this.db.commit();
      this.#commits++;
    } catch (cause) {
      try {
        if (this.db.inTransaction) this.db.rollback();
      } catch {
        // Already rolled back by SQLite: either way nothing of the group is kept.
      }
      const reason = cause instanceof Error ? cause.message : String(cause);
      const error = new StoreCommitError(
        `The KMS store could not commit ${group.members} call(s) (${reason}); none of them was kept: free disk space or fix the data dir's permissions, then retry`,
        { cause },
      );
      group.reject(error);
      return error;
    }
    group.resolve();
    try {
      this.onGroupCommit();
    } catch {
      // The hook (checkpoints) never changes the outcome of a group that is committed.
    }
    return undefined;
  }

  #nested<T>(fn: () => T): T {
    this.#depth++;
    try {
      return this.db.transaction(fn);
    } finally {
      this.#depth--;
    }
  }
}
