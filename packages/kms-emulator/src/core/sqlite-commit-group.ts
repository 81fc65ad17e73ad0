import { InvalidArgumentError } from '@envelope/core';
import { controlStatements, type SqliteDatabase } from './sqlite-driver.js';
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
 * Writes a store defers, while a grouped call runs, to the end of the call's group (the audit rows of
 * its calls: one multi-row INSERT per group instead of statements per call). They stay in the
 * group's transaction: written right before its COMMIT, or before a plain transaction joins the group
 * (so they keep their order with what it writes), and lost with it when the COMMIT fails.
 */
export interface DeferredWrites {
  /** A position to undo back to when the savepoint opened now throws. */
  mark(): number;
  /** A savepoint threw: drops what was deferred in it (since `mark`). */
  undo(mark: number): void;
  /** Writes everything deferred, in the open transaction; throws when a statement fails. */
  write(): void;
  /** The transaction rolled back: drops everything deferred. */
  drop(): void;
}

export interface CommitGroupHooks {
  /** Told after each group's COMMIT (the store's checkpointer). */
  onGroupCommit?: () => void;
  /** What the store defers to each group's COMMIT. */
  deferred?: DeferredWrites;
  /**
   * Told when the outermost transaction ends, committed or rolled back, grouped or not: nothing
   * written is pending any more (the store's record cache).
   */
  onSettled?: () => void;
}

const NOTHING_DEFERRED: DeferredWrites = { mark: () => 0, undo() {}, write() {}, drop() {} };

/** The savepoint of the grouped call running (one at a time: a grouped call nests no other). */
const CALL_SAVEPOINT = 'envelope_call';

/**
 * Group commit over one SQLite connection. The first grouped transaction of an event-loop turn opens
 * a transaction (`BEGIN`); it and every grouped transaction after it run in their own savepoint of it
 * (one that throws undoes only its own writes), and one `COMMIT` — one WAL sync under
 * `synchronous = FULL` — ends the group on `setImmediate`, or as soon as it holds `maxCalls` calls.
 * Callers answer only once `committed()` resolves; when the COMMIT fails every call of the group is
 * rejected with `StoreCommitError` and nothing of it is kept. What the store defers while a grouped
 * call runs (`DeferredWrites`: the calls' audit rows) is written in the group's transaction right
 * before that COMMIT, so it commits with the group or not at all.
 *
 * A call's savepoint is opened at its first write, not before: every write of a grouped call goes
 * through `transaction` (a store's `put`, `delete`, `clear`…), and a call that only reads — a Decrypt,
 * a GenerateDataKey, whose one write is its deferred audit row — has nothing in the database to undo
 * when it throws, so it runs no SAVEPOINT/RELEASE pair at all. Its deferred writes are undone either
 * way (`DeferredWrites.undo`).
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
  /** Whether the outermost transaction running is a grouped call (then writes may be deferred). */
  #inGroupedCall = false;
  /** Whether the grouped call running has opened its savepoint (at its first write). */
  #callSavepoint = false;
  #commits = 0;
  /** The call savepoint's SAVEPOINT, RELEASE and ROLLBACK TO, each prepared once. */
  readonly #run = controlStatements((sql) => this.db.prepare(sql));

  readonly #onGroupCommit: () => void;
  readonly #onSettled: () => void;
  private readonly deferred: DeferredWrites;

  constructor(
    private readonly db: SqliteDatabase,
    private readonly maxCalls: number,
    hooks: CommitGroupHooks = {},
  ) {
    this.#onGroupCommit = hooks.onGroupCommit ?? (() => {});
    this.#onSettled = hooks.onSettled ?? (() => {});
    this.deferred = hooks.deferred ?? NOTHING_DEFERRED;
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

  /**
   * Whether a grouped call is running: a write the store defers now goes to its group's COMMIT (see
   * `DeferredWrites`); outside one, the store writes at once.
   */
  get deferring(): boolean {
    return this.#inGroupedCall;
  }

  /** Runs `fn` atomically; its writes are durable when this returns. */
  transaction<T>(fn: () => T): T {
    if (this.#depth > 0) return this.#nestedInCall(fn);
    if (!this.#open) {
      try {
        const value = this.#nested(fn);
        this.#commits++;
        return value;
      } finally {
        this.#onSettled();
      }
    }
    // The group's deferred writes go first, so that they keep their order with `fn`'s (an admin
    // reset deletes the audit rows of the calls before it). Failing, they fail the group.
    try {
      this.#writeDeferred();
    } catch (cause) {
      throw this.#lose(cause);
    }
    const value = this.#nested(fn);
    const failure = this.#commit();
    if (failure) throw failure;
    return value;
  }

  /** Runs `fn` atomically in the open group; its writes are durable once `committed()` resolves. */
  grouped<T>(fn: () => T): T {
    if (this.#depth > 0) return this.#nestedInCall(fn);
    // A full group, or one SQLite rolled back under us (a failed statement can end the transaction):
    // settle it before joining, so no call ever runs outside the group it will be answered with.
    if (this.#open && (this.#open.members >= this.maxCalls || !this.db.inTransaction)) this.#commit();
    const group = this.#open ?? this.#begin();
    const mark = this.deferred.mark();
    this.#inGroupedCall = true;
    this.#depth++;
    let value: T;
    try {
      value = fn();
      if (this.#callSavepoint) this.#run(`RELEASE ${CALL_SAVEPOINT}`);
    } catch (error) {
      this.deferred.undo(mark);
      // Not when SQLite already rolled the whole transaction back (the group then fails as a whole).
      if (this.#callSavepoint && this.db.inTransaction) {
        this.#run(`ROLLBACK TO ${CALL_SAVEPOINT}`);
        this.#run(`RELEASE ${CALL_SAVEPOINT}`);
      }
      throw error;
    } finally {
      this.#depth--;
      this.#inGroupedCall = false;
      this.#callSavepoint = false;
    }
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
    try {
      this.#writeDeferred();
      this.db.commit();
      this.#commits++;
    } catch (cause) {
      return this.#lose(cause);
    }
    const group = this.#open!;
    this.#open = undefined;
    this.#onSettled();
    group.resolve();
    try {
      this.#onGroupCommit();
    } catch {
      // The hook (checkpoints) never changes the outcome of a group that is committed.
    }
    return undefined;
  }

  /** Writes the open group's deferred writes into its transaction, never outside it. */
  #writeDeferred(): void {
    // A failed statement can make SQLite roll the transaction back: written now, the rows would
    // commit on their own (autocommit) while the calls of the group fail.
    if (!this.db.inTransaction) throw new Error('SQLite rolled the transaction back');
    this.deferred.write();
  }

  /** Rolls the open group back: rejects all its calls, and returns the error. */
  #lose(cause: unknown): StoreCommitError {
    const group = this.#open!;
    this.#open = undefined;
    this.deferred.drop();
    try {
      if (this.db.inTransaction) this.db.rollback();
    } catch {
      // Already rolled back by SQLite: either way nothing of the group is kept.
    }
    this.#onSettled();
    const reason = cause instanceof Error ? cause.message : String(cause);
    const error = new StoreCommitError(
      `The KMS store could not commit ${group.members} call(s) (${reason}); none of them was kept: free disk space or fix the data dir's permissions, then retry`,
      { cause },
    );
    group.reject(error);
    return error;
  }

  /**
   * A transaction nested in the running one; in a grouped call, the call's savepoint is opened first
   * if it is not yet (see the class comment), so that what `fn` writes is undone if the call throws.
   */
  #nestedInCall<T>(fn: () => T): T {
    if (this.#inGroupedCall && !this.#callSavepoint) {
      this.#run(`SAVEPOINT ${CALL_SAVEPOINT}`);
      this.#callSavepoint = true;
    }
    return this.#nested(fn);
  }

  #nested<T>(fn: () => T): T {
    const mark = this.deferred.mark();
    this.#depth++;
    try {
      return this.db.transaction(fn);
    } catch (error) {
      this.deferred.undo(mark);
      throw error;
    } finally {
      this.#depth--;
    }
  }
}
