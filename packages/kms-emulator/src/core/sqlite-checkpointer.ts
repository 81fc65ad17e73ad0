import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { SqliteDriverName } from './sqlite-driver.js';

/** Slots of the shared state: commits signalled, close asked, close done. */
const COMMITS = 0;
const CLOSING = 1;
const CLOSED = 2;

/** The least time between two checkpoints, so that one copies many commits' pages. */
export const CHECKPOINT_INTERVAL_MS = 25;
/** How long `close` waits for the worker to close its connection before it stops waiting. */
const CLOSE_WAIT_MS = 5000;

/**
 * The worker, as source so that it runs the same from `src/`, `dist/` and the CLI's bundle. It opens
 * its own connection to the database and runs a PASSIVE checkpoint (never takes the write lock, never
 * waits) at most every `interval` ms after a commit was signalled, until asked to close.
 */
const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const { path, driver, betterSqlite3, state: buffer, interval } = workerData;
const state = new Int32Array(buffer);
const done = () => { Atomics.store(state, ${CLOSED}, 1); Atomics.notify(state, ${CLOSED}); };
let db;
try {
  if (Atomics.load(state, ${CLOSING}) === 0) {
    db = driver === 'node:sqlite'
      ? new (require('node:sqlite').DatabaseSync)(path)
      : new (require(betterSqlite3))(path);
  }
} catch {
  // Cannot open: the store's own automatic checkpoint goes on doing the work.
}
if (!db) done();
else {
  const checkpoint = db.prepare('PRAGMA wal_checkpoint(PASSIVE)');
  let seen = 0;
  (async () => {
    try {
      while (Atomics.load(state, ${CLOSING}) === 0) {
        const wait = Atomics.waitAsync(state, ${COMMITS}, seen);
        if (wait.async) await wait.value;
        if (Atomics.load(state, ${CLOSING}) !== 0) break;
        seen = Atomics.load(state, ${COMMITS});
        try { checkpoint.get(); } catch { /* busy or failing disk: the next commit tries again */ }
        await new Promise((resolve) => setTimeout(resolve, interval));
      }
    } finally {
      db.close();
      done();
    }
  })();
}
`;

/**
 * Runs the WAL checkpoints of a durable store on a worker thread. SQLite's automatic checkpoint runs
 * inside the COMMIT that crosses `wal_autocheckpoint` pages, on the event loop: it copies the WAL into
 * the database file and, under `synchronous = NORMAL`, fsyncs both — several milliseconds during which
 * no request is served, about two thirds of a durable commit's wall time under load. The worker does
 * that work on its own connection instead; commits stay durable exactly as before (the WAL holds every
 * committed transaction until it is copied), and the store keeps a higher automatic checkpoint as a
 * backstop for when the worker cannot keep up or could not start.
 */
export class SqliteCheckpointer {
  readonly #state = new Int32Array(new SharedArrayBuffer(3 * Int32Array.BYTES_PER_ELEMENT));
  readonly #worker: Worker;
  #reported = false;

  /** `stopped` is told once if the worker fails or exits before `close` (then no checkpoint runs here). */
  constructor(path: string, driver: SqliteDriverName, stopped: () => void = () => {}) {
    const betterSqlite3 =
      driver === 'better-sqlite3' ? createRequire(import.meta.url).resolve('better-sqlite3') : undefined;
    this.#worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: {
        path,
        driver,
        betterSqlite3,
        state: this.#state.buffer,
        interval: CHECKPOINT_INTERVAL_MS,
      },
      // The worker needs none of the parent's loaders or flags (it runs plain CommonJS).
      execArgv: [],
    });
    // A worker that fails leaves the store's automatic checkpoint to do the work: never an error.
    this.#worker.on('error', () => this.#stopped(stopped));
    this.#worker.on('exit', () => this.#stopped(stopped));
    this.#worker.unref();
  }

  /** After a commit: wakes the worker if it is waiting (a few atomic operations, no message). */
  committed(): void {
    Atomics.add(this.#state, COMMITS, 1);
    Atomics.notify(this.#state, COMMITS, 1);
  }

  /** Stops the worker and waits (briefly) until its connection is closed, so the store's close is last. */
  close(): void {
    Atomics.store(this.#state, CLOSING, 1);
    Atomics.notify(this.#state, COMMITS);
    Atomics.wait(this.#state, CLOSED, 0, CLOSE_WAIT_MS);
    void this.#worker.terminate();
  }

  #stopped(stopped: () => void): void {
    Atomics.store(this.#state, CLOSED, 1);
    // Not asked to close (the worker may have marked itself closed first, e.g. when it could not open
    // the database): told once, whether by 'error' or by the 'exit' that follows it.
    if (Atomics.load(this.#state, CLOSING) === 0 && !this.#reported) {
      this.#reported = true;
      stopped();
    }
  }
}
