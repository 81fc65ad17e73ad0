import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { createRequire, syncBuiltinESMExports } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { expect } from 'chai';
import { SqliteCheckpointer } from '../src/core/sqlite-checkpointer.js';
import { SqliteCommitGroups } from '../src/core/sqlite-commit-group.js';
import {
  type CoreAuditRecord as AuditRecord,
  openSqlite,
  type SqliteDatabase,
  SqliteResourceStore,
} from '../src/index.js';
import { sqliteDrivers } from './sqlite-drivers.js';

type Worker = import('node:worker_threads').Worker;
const workerThreads = createRequire(import.meta.url)('node:worker_threads') as {
  Worker: new (...args: never[]) => Worker;
};

/** Records every worker thread started until `restore` (the store imports `Worker` by name). */
function spyOnWorkers(): { started: Worker[]; restore(): void } {
  const Original = workerThreads.Worker;
  const started: Worker[] = [];
  workerThreads.Worker = class extends Original {
    constructor(...args: never[]) {
      super(...args);
      started.push(this);
    }
  };
  syncBuiltinESMExports();
  return {
    started,
    restore() {
      workerThreads.Worker = Original;
      syncBuiltinESMExports();
    },
  };
}

const autocheckpoint = (db: SqliteDatabase) =>
  (db.prepare('PRAGMA wal_autocheckpoint').get() as { wal_autocheckpoint: number }).wal_autocheckpoint;

const record = (i: number): AuditRecord => ({
  id: `id-${i}`,
  time: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString(),
  service: 'aws',
  location: 'us-east-1',
  operation: 'GenerateDataKey',
  requestId: `request-${i}`,
  principal: 'arn:aws:iam::111122223333:root',
  resources: [`arn:aws:kms:us-east-1:111122223333:key/${i}`],
  parameters: { numberOfBytes: 32 },
});

/** `groups` group commits of `calls` audited calls each, as a server under load makes them. */
async function groupCommits(store: SqliteResourceStore, groups: number, calls: number): Promise<void> {
  let n = 0;
  for (let g = 0; g < groups; g++) {
    const commits: Promise<void>[] = [];
    for (let c = 0; c < calls; c++) {
      store.groupedTransaction(() => store.appendAudit(record(n++)));
      commits.push(store.committed());
    }
    await Promise.all(commits);
  }
}

describe('SQLite WAL checkpoints off the event loop', function () {
  this.timeout(30_000);
  for (const driver of sqliteDrivers) {
    describe(driver, () => {
      let dir: string;
      let path: string;
      beforeEach(() => {
        dir = mkdtempSync(join(tmpdir(), 'kms-checkpoint-'));
        path = join(dir, 'kms.sqlite');
      });
      afterEach(() => rmSync(dir, { recursive: true, force: true }));

      it('copies group commits into the database file from a worker, well before the automatic checkpoint', async () => {
        const store = new SqliteResourceStore(path, { synchronous: 'NORMAL', driver });
        try {
          const before = statSync(path).size;
          // ≈ 100 WAL pages: far below SQLite's automatic checkpoint (1,000 pages), so only the
          // worker copies them into the database file while the store is open.
          await groupCommits(store, 50, 8);
          const deadline = Date.now() + 20_000;
          while (statSync(path).size <= before && Date.now() < deadline) await sleep(20);
          expect(statSync(path).size).to.be.greaterThan(before);
          expect(store.queryAudit({}).length).to.equal(400);
        } finally {
          store.close();
        }
      });

      it('closes the worker connection before its own, so close still removes the WAL', async () => {
        const store = new SqliteResourceStore(path, { synchronous: 'NORMAL', driver });
        await groupCommits(store, 10, 4);
        await sleep(100); // the worker has opened its connection and checkpointed
        store.close();
        // SQLite deletes the WAL only when the last connection to the database closes.
        expect(existsSync(`${path}-wal`)).to.equal(false);
        const db = openSqlite(path, { readonly: true, driver });
        try {
          expect(db.prepare('SELECT COUNT(*) AS n FROM audit_records').get()).to.deep.equal({ n: 40 });
        } finally {
          db.close();
        }
      });

      it('commits an open group on close without starting the worker', () => {
        const workers = spyOnWorkers();
        try {
          const store = new SqliteResourceStore(path, { synchronous: 'NORMAL', driver });
          store.groupedTransaction(() => store.appendAudit(record(0)));
          store.close(); // commits the group (the store's first group commit)
          expect(workers.started).to.have.length(0);
        } finally {
          workers.restore();
        }
        const db = openSqlite(path, { readonly: true, driver });
        try {
          expect(db.prepare('SELECT COUNT(*) AS n FROM audit_records').get()).to.deep.equal({ n: 1 });
        } finally {
          db.close();
        }
      });

      it("puts SQLite's default automatic checkpoint back when the worker dies", async () => {
        const workers = spyOnWorkers();
        let db!: SqliteDatabase;
        let store: SqliteResourceStore;
        try {
          store = new SqliteResourceStore(path, {
            synchronous: 'NORMAL',
            driver,
            open: (file) => (db = openSqlite(file, { driver })),
          });
          expect(autocheckpoint(db)).to.equal(1000);
          await groupCommits(store, 1, 1);
        } finally {
          workers.restore();
        }
        try {
          expect(workers.started).to.have.length(1);
          expect(autocheckpoint(db)).to.equal(10_000); // the worker checkpoints; this is the backstop
          await workers.started[0]!.terminate();
          const deadline = Date.now() + 10_000;
          while (autocheckpoint(db) !== 1000 && Date.now() < deadline) await sleep(10);
          expect(autocheckpoint(db)).to.equal(1000);
          await groupCommits(store, 2, 2); // still commits, and starts no second worker
          expect(store.queryAudit({}).length).to.equal(5);
        } finally {
          store.close();
        }
      });

      it('tells the store when the worker stops on its own because it cannot open the database', async () => {
        let stopped = 0;
        const checkpointer = new SqliteCheckpointer(
          join(dir, 'missing', 'kms.sqlite'),
          driver,
          () => stopped++,
        );
        const deadline = Date.now() + 10_000;
        while (stopped === 0 && Date.now() < deadline) await sleep(10);
        await sleep(50); // the 'exit' after an 'error' must not report it twice
        expect(stopped).to.equal(1);
        checkpointer.close();
      });

      it('closes when the worker has not started yet', async () => {
        const store = new SqliteResourceStore(path, { synchronous: 'NORMAL', driver });
        await groupCommits(store, 1, 1);
        store.close();
        expect(existsSync(`${path}-wal`)).to.equal(false);
      });
    });
  }
});

describe('group commit and its after-commit hook', () => {
  it('answers a committed group as committed even when the hook (the checkpointer) throws', async () => {
    const db = openSqlite(':memory:');
    try {
      db.exec('CREATE TABLE t (v INTEGER)');
      const groups = new SqliteCommitGroups(db, 64, {
        onGroupCommit: () => {
          throw new Error('cannot start a worker thread');
        },
      });
      groups.grouped(() => db.prepare('INSERT INTO t (v) VALUES (1)').run());
      await groups.committed();
      expect(db.prepare('SELECT COUNT(*) AS n FROM t').get()).to.deep.equal({ n: 1 });
      expect(groups.commits).to.equal(1);
    } finally {
      db.close();
    }
  });
});
