import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultSqliteDriver, openSqlite, SqliteResourceStore } from '@envelope/kms-emulator';
import { expect } from 'chai';
import { nodeMajor, sqliteDrivers } from './sqlite-drivers.js';
import { auditEvent } from './sqlite-test-files.js';

const event = (id: string) => auditEvent(id, ['arn:aws:kms:us-east-1:111122223333:key/k1']);

describe('SQLite drivers', () => {
  it(`uses ${nodeMajor >= 24 ? 'node:sqlite' : 'better-sqlite3'} by default on Node ${nodeMajor}`, () => {
    expect(defaultSqliteDriver()).to.equal(nodeMajor >= 24 ? 'node:sqlite' : 'better-sqlite3');
  });

  for (const driver of sqliteDrivers) {
    describe(driver, () => {
      let dir: string;
      beforeEach(async () => (dir = await mkdtemp(join(tmpdir(), 'envelope-sqlite-'))));
      afterEach(async () => rm(dir, { recursive: true, force: true }));

      /** Another process (a second server on the data dir) holding the write lock for 300 ms. */
      const holdWriteLock = async (path: string) => {
        const open =
          driver === 'node:sqlite'
            ? "new (require('node:sqlite').DatabaseSync)(process.argv[1])"
            : "new (require('better-sqlite3'))(process.argv[1], { timeout: 0 })";
        const holder = spawn(
          process.execPath,
          [
            '-e',
            `const db = ${open}; db.exec('BEGIN IMMEDIATE'); db.exec('DELETE FROM audit_records WHERE 0'); process.stdout.write('locked'); setTimeout(() => db.exec('COMMIT'), 300);`,
            path,
          ],
          { cwd: fileURLToPath(new URL('..', import.meta.url)), stdio: ['ignore', 'pipe', 'inherit'] },
        );
        const exited = new Promise((resolve) => holder.once('exit', resolve));
        await new Promise((resolve, reject) => {
          holder.stdout.once('data', resolve);
          holder.once('exit', (code) => reject(new Error(`lock holder exited with ${code}`)));
        });
        return exited;
      };

      it('waits for another process holding the write lock instead of failing with SQLITE_BUSY: a plain and a grouped call', async () => {
        const path = join(dir, 'kms.sqlite');
        const store = new SqliteResourceStore(path, { driver });
        try {
          // The store has read (and cached) before: its transactions must still wait, not fail.
          store.appendAudit(event('first'));
          expect(store.queryAudit({}).map((record) => record.id)).to.deep.equal(['first']);
          let held = await holdWriteLock(path);
          store.appendAudit(event('plain'));
          await held;
          held = await holdWriteLock(path);
          store.groupedTransaction(() => store.appendAudit(event('grouped')));
          await store.committed();
          await held;
          expect(store.queryAudit({}).map((record) => record.id)).to.deep.equal([
            'first',
            'plain',
            'grouped',
          ]);
        } finally {
          store.close();
        }
      });

      it('commits a transaction that returns and undoes one that throws, nested ones by savepoint', () => {
        const db = openSqlite(join(dir, 'db.sqlite'), { driver });
        expect(db.driver).to.equal(driver);
        db.exec('CREATE TABLE t (v TEXT)');
        const insert = db.prepare<[string]>('INSERT INTO t (v) VALUES (?)');
        const values = db.prepare<[], { v: string }>('SELECT v FROM t ORDER BY rowid');
        db.transaction(() => insert.run('kept'));
        expect(() =>
          db.transaction(() => {
            insert.run('undone');
            throw new Error('abort');
          }),
        ).to.throw('abort');
        db.transaction(() => {
          insert.run('outer');
          expect(() =>
            db.transaction(() => {
              insert.run('inner');
              throw new Error('inner abort');
            }),
          ).to.throw('inner abort');
        });
        expect(values.all().map((r) => r.v)).to.deep.equal(['kept', 'outer']);
        expect(db.prepare<[string], { v: string }>('SELECT v FROM t WHERE v = ?').get('none')).to.equal(
          undefined,
        );
        db.close();
        const reader = openSqlite(join(dir, 'db.sqlite'), { driver, readonly: true });
        expect(reader.prepare<[], { n: number }>('SELECT count(*) AS n FROM t').get()?.n).to.equal(2);
        expect(() => reader.exec("INSERT INTO t (v) VALUES ('no')")).to.throw();
        reader.close();
      });

      it('keeps a begun transaction open across transactions (savepoints of it) until commit or rollback', () => {
        const db = openSqlite(join(dir, 'db.sqlite'), { driver });
        db.exec('CREATE TABLE t (v TEXT)');
        const insert = db.prepare<[string]>('INSERT INTO t (v) VALUES (?)');
        const values = () => db.prepare<[], { v: string }>('SELECT v FROM t ORDER BY rowid').all();
        expect(db.inTransaction).to.equal(false);
        db.begin();
        expect(db.inTransaction).to.equal(true);
        db.transaction(() => insert.run('a'));
        expect(() =>
          db.transaction(() => {
            insert.run('undone');
            throw new Error('abort');
          }),
        ).to.throw('abort');
        db.transaction(() => insert.run('b'));
        expect(db.inTransaction).to.equal(true);
        db.commit();
        expect(db.inTransaction).to.equal(false);
        db.begin();
        db.transaction(() => insert.run('rolled back'));
        db.rollback();
        expect(db.inTransaction).to.equal(false);
        expect(values().map((r) => r.v)).to.deep.equal(['a', 'b']);
        db.close();
      });
    });
  }
});
