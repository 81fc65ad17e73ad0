import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvalidArgumentError } from '@envelope/core';
import { expect } from 'chai';
import {
  HsmCore,
  KmsEngine,
  KmsError,
  openSqlite,
  type ServiceFailure,
  type SqliteDatabase,
  SqliteResourceStore,
  type SqliteResourceStoreOptions,
  StoreCommitError,
} from '../src/index.js';

/** A durable store on a file, and a second connection to read what is on disk. */
function durable(options: SqliteResourceStoreOptions = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'kms-group-commit-'));
  const path = join(dir, 'kms.sqlite');
  const store = new SqliteResourceStore(path, options);
  return {
    path,
    store,
    /** What a fresh connection sees: only committed state. */
    onDisk(sql: string): unknown[] {
      const db = openSqlite(path, { readonly: true });
      try {
        return db.prepare(sql).all();
      } finally {
        db.close();
      }
    },
    dispose() {
      store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** `open` for one describe block: each store it opens is closed and removed after its test. */
function durableStores(): (options?: SqliteResourceStoreOptions) => ReturnType<typeof durable> {
  const fixtures: { dispose(): void }[] = [];
  afterEach(() => {
    for (const f of fixtures.splice(0)) f.dispose();
  });
  return (options) => {
    const f = durable(options);
    fixtures.push(f);
    return f;
  };
}

/** A connection whose COMMIT fails while `failing` is set, as on a full disk. */
function failingCommits(state: { failing: boolean }) {
  return (path: string): SqliteDatabase => {
    const db = openSqlite(path);
    return {
      driver: db.driver,
      exec: db.exec,
      prepare: db.prepare,
      transaction: db.transaction,
      begin: db.begin,
      commit: () => {
        if (state.failing) throw new Error('database or disk is full');
        db.commit();
      },
      rollback: db.rollback,
      get inTransaction() {
        return db.inTransaction;
      },
      close: db.close,
    };
  };
}

/**
 * A connection that counts the statements run per SQL text, and fails those starting with `failing`
 * (when set) as on a full disk.
 */
function instrumented(state: {
  failing?: string;
  runs: Map<string, number>;
  params?: Map<string, unknown[]>;
}) {
  return (path: string): SqliteDatabase => {
    const db = openSqlite(path);
    return {
      ...db,
      driver: db.driver,
      prepare: <P extends unknown[], R>(sql: string) => {
        const statement = db.prepare<P, R>(sql);
        const counted =
          <A extends unknown[], V>(run: (...params: A) => V) =>
          (...params: A): V => {
            if (state.failing !== undefined && sql.startsWith(state.failing))
              throw new Error('database or disk is full');
            state.runs.set(sql, (state.runs.get(sql) ?? 0) + 1);
            if (!state.params?.has(sql)) state.params?.set(sql, params);
            return run(...params);
          };
        return { run: counted(statement.run), get: counted(statement.get), all: counted(statement.all) };
      },
      get inTransaction() {
        return db.inTransaction;
      },
    };
  };
}

/** How many statements whose SQL starts with `prefix` ran. */
const runsOf = (runs: Map<string, number>, prefix: string): number =>
  [...runs].reduce((sum, [sql, n]) => (sql.startsWith(prefix) ? sum + n : sum), 0);

/** An audit record named after its operation (its id and request id too). */
const auditRecord = (operation: string, resources: string[] = []) => ({
  id: operation,
  time: new Date().toISOString(),
  service: 'aws',
  location: 'us-east-1',
  operation,
  requestId: operation,
  principal: 'test',
  resources,
  parameters: {},
});

const boom = (thrown: unknown): ServiceFailure => ({
  error: thrown instanceof Error ? thrown : new Error(String(thrown)),
  code: thrown instanceof StoreCommitError ? 'CommitFailed' : 'Boom',
  message: thrown instanceof Error ? thrown.message : String(thrown),
});

const call = (operation: string) => ({
  service: 'test',
  location: 'here',
  operation,
  principal: 'tester',
  requestId: operation,
});

describe('group commit (SQLite store)', () => {
  const open = durableStores();

  it('commits concurrent calls in fewer commits than calls, each call audited and answered after its commit', async () => {
    const { store, onDisk } = open({ synchronous: 'FULL' });
    const engine = new KmsEngine({ store, rootKey: randomBytes(32) });
    const ctx = engine.context('us-east-1');
    const { KeyMetadata } = (await engine.execute('CreateKey', {}, ctx)) as {
      KeyMetadata: { KeyId: string };
    };
    const before = store.commits;
    const answered = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        engine
          .execute(
            'GenerateDataKey',
            { KeyId: KeyMetadata.KeyId, NumberOfBytes: 32 },
            { ...ctx, requestId: `r${i}` },
          )
          .then(() => {
            // Answered only once its audit record is on disk (a fresh connection sees it).
            expect(
              onDisk(`SELECT 1 FROM audit_records WHERE record LIKE '%"requestId":"r${i}"%'`),
            ).to.have.length(1);
            return i;
          }),
      ),
    );
    expect(answered).to.have.length(20);
    const commits = store.commits - before;
    expect(commits).to.be.greaterThan(0);
    expect(commits).to.be.lessThan(20);
    expect(onDisk(`SELECT 1 FROM audit_records WHERE operation = 'GenerateDataKey'`)).to.have.length(20);
  });

  it('a failing call of a group rolls back only its own writes, and its failure is audited', async () => {
    const { store, onDisk } = open();
    const core = new HsmCore({ store, rootKey: randomBytes(32) });
    const before = store.commits;
    const writes = (name: string, fails = false) =>
      core.call(call(name), {
        run: () => {
          store.put('test.thing', name, { name });
          if (fails) throw new Error(`${name} failed after writing`);
          // Reads inside the group see the writes of the calls before it.
          return store.get<{ name: string }>('test.thing', 'a')?.name;
        },
        fail: boom,
      });
    const outcomes = await Promise.allSettled([writes('a'), writes('b', true), writes('c')]);
    expect(outcomes.map((o) => o.status)).to.deep.equal(['fulfilled', 'rejected', 'fulfilled']);
    expect(outcomes[2]).to.deep.equal({ status: 'fulfilled', value: 'a' });
    expect(store.commits - before).to.equal(1);
    expect(onDisk(`SELECT name FROM resources ORDER BY name`)).to.deep.equal([{ name: 'a' }, { name: 'c' }]);
    const audit = core.auditLog({ service: 'test' });
    expect(audit.map((r) => [r.operation, r.error?.code])).to.deep.equal([
      ['a', undefined],
      ['b', 'Boom'],
      ['c', undefined],
    ]);
  });

  it('opens no savepoint for a grouped call that writes nothing, and still undoes what a failing call wrote', async () => {
    const state = { runs: new Map<string, number>() };
    let transactions = 0;
    const counting = (path: string): SqliteDatabase => {
      const db = instrumented(state)(path);
      return {
        ...db,
        driver: db.driver,
        transaction: (fn) => {
          transactions++;
          return db.transaction(fn);
        },
        get inTransaction() {
          return db.inTransaction;
        },
      };
    };
    const { store, onDisk } = open({ open: counting });
    const core = new HsmCore({ store, rootKey: randomBytes(32) });
    store.put('test.thing', 'k', { v: 1 });
    const savepoints = () => transactions + runsOf(state.runs, 'SAVEPOINT');
    const reads = (name: string, fails = false) =>
      core.call(call(name), {
        run: () => {
          const value = store.get<{ v: number }>('test.thing', 'k')?.v;
          if (fails) throw new Error(`${name} failed after reading`);
          return value;
        },
        fail: boom,
      });
    const writes = (name: string, fails = false) =>
      core.call(call(name), {
        run: () => {
          store.put('test.thing', name, { v: 2 });
          if (fails) throw new Error(`${name} failed after writing`);
          return 2;
        },
        fail: boom,
      });
    const before = { commits: store.commits, savepoints: savepoints() };
    const statuses = async (calls: Promise<unknown>[]) =>
      (await Promise.allSettled(calls)).map((outcome) => outcome.status);
    expect(await statuses([reads('r1'), reads('r2', true), reads('r3')])).to.deep.equal([
      'fulfilled',
      'rejected',
      'fulfilled',
    ]);
    expect(store.commits - before.commits).to.equal(1);
    expect(savepoints() - before.savepoints).to.equal(0);
    // Mixed with writing calls: each of those opens its savepoint at its first write, and the one that
    // throws after writing loses its write, the calls before and after it in the group keep theirs.
    expect(
      await statuses([writes('w1'), reads('r4'), writes('w2', true), reads('r5', true), writes('w3')]),
    ).to.deep.equal(['fulfilled', 'fulfilled', 'rejected', 'rejected', 'fulfilled']);
    expect(store.commits - before.commits).to.equal(2);
    expect(runsOf(state.runs, 'SAVEPOINT')).to.equal(3);
    expect(onDisk('SELECT name FROM resources ORDER BY name')).to.deep.equal([
      { name: 'k' },
      { name: 'w1' },
      { name: 'w3' },
    ]);
    expect(core.auditLog({ service: 'test' }).map((r) => [r.operation, r.error?.code])).to.deep.equal([
      ['r1', undefined],
      ['r2', 'Boom'],
      ['r3', undefined],
      ['w1', undefined],
      ['r4', undefined],
      ['w2', 'Boom'],
      ['r5', 'Boom'],
      ['w3', undefined],
    ]);
  });

  it('fails every call of a group whose COMMIT fails with a typed error, and keeps nothing of it', async () => {
    const state = { failing: false };
    const { store, onDisk } = open({ open: failingCommits(state) });
    const engine = new KmsEngine({ store, rootKey: randomBytes(32) });
    const ctx = engine.context('us-east-1');
    const { KeyMetadata } = (await engine.execute('CreateKey', {}, ctx)) as {
      KeyMetadata: { KeyId: string };
    };
    const rowsBefore = onDisk('SELECT seq FROM audit_records');
    state.failing = true;
    const outcomes = await Promise.allSettled(
      Array.from({ length: 5 }, (_, i) =>
        engine.execute('CreateAlias', { AliasName: `alias/lost-${i}`, TargetKeyId: KeyMetadata.KeyId }, ctx),
      ),
    );
    state.failing = false;
    for (const outcome of outcomes) {
      expect(outcome.status).to.equal('rejected');
      const error = (outcome as PromiseRejectedResult).reason as KmsError;
      expect(error).to.be.instanceOf(KmsError);
      expect(error.exceptionName).to.equal('KMSInternalException');
      expect(error.cause).to.be.instanceOf(StoreCommitError);
      expect((error.cause as StoreCommitError).code).to.equal('ENVELOPE_KMS_STORE_COMMIT_FAILED');
      expect((error.cause as StoreCommitError).message).to.match(
        /could not commit 5 call\(s\).*disk is full/,
      );
    }
    expect(onDisk(`SELECT name FROM resources WHERE name LIKE '%alias/lost-%'`)).to.deep.equal([]);
    expect(onDisk('SELECT seq FROM audit_records')).to.deep.equal(rowsBefore);
    // The store works again once commits do.
    await engine.execute('CreateAlias', { AliasName: 'alias/kept', TargetKeyId: KeyMetadata.KeyId }, ctx);
    expect(onDisk(`SELECT 1 FROM resources WHERE name LIKE '%alias/kept'`)).to.have.length(1);
  });

  it('commits the open group at once for a plain transaction (admin reset, seed, timers) or a read outside one', async () => {
    const { store, onDisk } = open();
    store.groupedTransaction(() => store.put('test.thing', 'grouped', {}));
    const groupCommitted = store.committed();
    expect(onDisk('SELECT name FROM resources')).to.deep.equal([]);
    store.put('test.thing', 'plain', {});
    // Durable on return: the plain write, and the group it joined.
    expect(onDisk('SELECT name FROM resources ORDER BY name')).to.deep.equal([
      { name: 'grouped' },
      { name: 'plain' },
    ]);
    await groupCommitted;

    store.groupedTransaction(() => store.put('test.thing', 'read', {}));
    expect(store.get('test.thing', 'read')).to.deep.equal({});
    expect(onDisk(`SELECT name FROM resources WHERE name = 'read'`)).to.have.length(1);
  });

  it('refuses a maxGroupCalls that is not a positive integer with InvalidArgumentError', () => {
    for (const maxGroupCalls of [0, -1, 1.5, Number.NaN]) {
      expect(() => open({ maxGroupCalls })).to.throw(
        InvalidArgumentError,
        /maxGroupCalls must be a positive integer/,
      );
    }
  });

  it('bounds a group to maxGroupCalls calls', async () => {
    const { store } = open({ maxGroupCalls: 4 });
    const core = new HsmCore({ store, rootKey: randomBytes(32) });
    const before = store.commits;
    await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        core.call(call(`op${i}`), { run: () => store.put('test.thing', `t${i}`, {}), fail: boom }),
      ),
    );
    expect(store.commits - before).to.equal(3);
    expect(core.auditLog({ service: 'test' })).to.have.length(10);
  });

  it("writes a group's audit rows in one INSERT per table at its COMMIT, and checks retention once per group", async () => {
    const state = { runs: new Map<string, number>() };
    const { store, onDisk } = open({ open: instrumented(state) });
    const core = new HsmCore({ store, rootKey: randomBytes(32), auditRetention: { maxEvents: 1000 } });
    await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        core.call(call(`op${i}`), {
          run: (scope) => {
            scope.touch(`projects/p/keys/k${i}`);
            // A second resource (as a re-encryption's destination key) goes to audit_resources.
            if (i % 3 === 0) scope.touch('projects/p/keys/to');
          },
          fail: boom,
        }),
      ),
    );
    expect(store.commits).to.equal(1);
    expect(runsOf(state.runs, 'INSERT OR ROLLBACK INTO audit_records')).to.equal(1);
    expect(runsOf(state.runs, 'INSERT OR ROLLBACK INTO audit_resources')).to.equal(1);
    expect(runsOf(state.runs, 'SELECT (SELECT MIN(seq)')).to.equal(1);
    const rows = onDisk('SELECT seq, operation FROM audit_records ORDER BY seq') as {
      seq: number;
      operation: string;
    }[];
    expect(rows.map((r) => r.operation)).to.deep.equal(Array.from({ length: 8 }, (_, i) => `op${i}`));
    expect(rows.map((r) => r.seq)).to.deep.equal([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(core.auditLog({ resource: 'projects/p/keys/k5' }).map((r) => r.operation)).to.deep.equal(['op5']);
    expect(core.auditLog({ resource: 'k7' }).map((r) => r.operation)).to.deep.equal(['op7']);
    expect(core.auditLog({ resource: 'to' }).map((r) => r.operation)).to.deep.equal(['op0', 'op3', 'op6']);
    expect(core.auditLog({ resource: 'k6' }).map((r) => r.operation)).to.deep.equal(['op6']);
  });

  it('reads the data version once per group, and the next seq only after another connection committed', async () => {
    const state = { runs: new Map<string, number>() };
    const { store, path } = open({ open: instrumented(state) });
    const core = new HsmCore({ store, rootKey: randomBytes(32), auditRetention: { maxEvents: 1000 } });
    store.put('test.thing', 'k', { v: 1 });
    state.runs.clear();
    const group = (name: string) =>
      Promise.all(
        Array.from({ length: 4 }, (_, i) =>
          core.call(call(`${name}.${i}`), {
            run: (scope) => {
              scope.touch('test/k');
              return store.get('test.thing', 'k');
            },
            fail: boom,
          }),
        ),
      );
    for (const name of ['g1', 'g2', 'g3']) await group(name);
    expect(store.commits).to.equal(4);
    expect(runsOf(state.runs, 'PRAGMA data_version')).to.equal(3);
    expect(runsOf(state.runs, 'SELECT (SELECT seq FROM audit_seq_floor')).to.equal(1);
    expect(runsOf(state.runs, 'SELECT (SELECT MIN(seq)')).to.equal(1);
    // Another connection appends and prunes: this one numbers after its rows and prunes by what is there.
    const other = new HsmCore({
      store: new SqliteResourceStore(path),
      rootKey: randomBytes(32),
      auditRetention: { maxEvents: 6 },
    });
    try {
      await other.call(call('other'), { run: () => undefined, fail: boom });
    } finally {
      other.close();
    }
    await group('g4');
    expect(runsOf(state.runs, 'SELECT (SELECT seq FROM audit_seq_floor')).to.equal(2);
    // Its pruning raised the lowest seq: what this one knew of it is still a lower bound.
    expect(runsOf(state.runs, 'SELECT (SELECT MIN(seq)')).to.equal(1);
    expect(core.auditLog({}).map((r) => r.operation)).to.deep.equal([
      'g2.3',
      'g3.0',
      'g3.1',
      'g3.2',
      'g3.3',
      'other',
      'g4.0',
      'g4.1',
      'g4.2',
      'g4.3',
    ]);
  });

  it('prunes by count after a rolled-back prune brought the deleted rows back', async () => {
    const { store } = open();
    const core = new HsmCore({ store, rootKey: randomBytes(32), auditRetention: { maxEvents: 3 } });
    for (const n of [1, 2, 3, 4]) store.appendAudit(auditRecord(`r${n}`));
    // Pruned to r3, r4 in a transaction that is rolled back: r1 and r2 are back.
    expect(() =>
      store.transaction(() => {
        store.pruneAudit({ maxEvents: 2 });
        throw new Error('undo');
      }),
    ).to.throw('undo');
    expect(store.queryAudit({}).map((r) => r.operation)).to.deep.equal(['r1', 'r2', 'r3', 'r4']);
    await core.call(call('c1'), { run: () => undefined, fail: boom });
    expect(core.auditLog({}).map((r) => r.operation)).to.deep.equal(['r3', 'r4', 'c1']);
  });

  it('never scans the audit tables to append, number or prune a group (each probe is an index search)', async () => {
    const state = { runs: new Map<string, number>(), params: new Map<string, unknown[]>() };
    const { store, path } = open({ open: instrumented(state) });
    const core = new HsmCore({
      store,
      rootKey: randomBytes(32),
      auditRetention: { maxEvents: 5, maxAgeDays: 1 },
    });
    for (let group = 0; group < 3; group++) {
      await Promise.all(
        Array.from({ length: 4 }, (_, i) =>
          core.call(call(`op${group}.${i}`), { run: (scope) => scope.touch(`thing/t${i}`), fail: boom }),
        ),
      );
    }
    // What the calls ran (the audit query below reads the whole log, as it should).
    const ran = [...state.params];
    expect(core.auditLog({}).map((r) => r.operation)).to.deep.equal([
      'op1.3',
      'op2.0',
      'op2.1',
      'op2.2',
      'op2.3',
    ]);
    const db = openSqlite(path, { readonly: true });
    try {
      // The pruning's own temporary table, which exists on the store's connection only.
      db.exec('CREATE TEMP TABLE audit_pruned_names (id INTEGER PRIMARY KEY)');
      const audited = ran.filter(([sql]) => /audit_re|audit_seq_floor/.test(sql));
      expect(audited.length).to.be.greaterThan(3);
      for (const [sql, params] of audited) {
        const plan = db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as { detail: string }[];
        expect(plan.map((step) => step.detail).join(' | '), sql).to.not.match(/SCAN audit_re/);
      }
    } finally {
      db.close();
    }
  });

  it("writes a group's audit rows with INSERT OR ROLLBACK: no statement journal, a failed row loses the group anyway", async () => {
    const state = { runs: new Map<string, number>() };
    const { store } = open({ open: instrumented(state) });
    const core = new HsmCore({ store, rootKey: randomBytes(32) });
    await Promise.all(
      Array.from({ length: 3 }, (_, i) =>
        core.call(call(`op${i}`), {
          run: (scope) => {
            scope.touch(`thing/t${i}`);
            scope.touch('thing/shared');
          },
          fail: boom,
        }),
      ),
    );
    // SQLite opens a statement journal (inside OP_Transaction: EXPLAIN does not show it) for a
    // multi-row INSERT that may abort alone; OR ROLLBACK never does.
    const inserts = [...state.runs.keys()].filter((sql) => /^INSERT\b.* INTO audit_re/.test(sql));
    expect(inserts.map((sql) => sql.slice(0, sql.indexOf(' ('))).sort()).to.deep.equal([
      'INSERT OR ROLLBACK INTO audit_records',
      'INSERT OR ROLLBACK INTO audit_resources',
    ]);
  });

  it('fails every call of a group whose audit row breaks a constraint, keeps nothing of it, and goes on', async () => {
    const { store, onDisk } = open();
    const record = (id: string, time: string) => ({
      id,
      time,
      service: 'test',
      location: 'here',
      operation: id,
      requestId: id,
      principal: 'tester',
      resources: ['thing/t'],
      parameters: {},
    });
    store.groupedTransaction(() => store.put('test.thing', 'kept', {}));
    await store.committed();
    store.groupedTransaction(() => {
      store.put('test.thing', 'lost', {});
      store.appendAudit(record('lost', new Date().toISOString()));
    });
    // A time no clock gives: the row's time column (NOT NULL) gets none, and the group's INSERT fails.
    store.groupedTransaction(() => store.appendAudit(record('unreadable', 'not a time')));
    const lost = await store.committed().then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(lost).to.be.instanceOf(StoreCommitError);
    expect(onDisk('SELECT name FROM resources')).to.deep.equal([{ name: 'kept' }]);
    expect(onDisk('SELECT operation FROM audit_records')).to.deep.equal([]);
    expect(onDisk('SELECT resource FROM audit_names')).to.deep.equal([]);
    store.groupedTransaction(() => store.appendAudit(record('after', new Date().toISOString())));
    await store.committed();
    expect(onDisk('SELECT seq, operation FROM audit_records')).to.deep.equal([
      { seq: 1, operation: 'after' },
    ]);
  });

  it('drops the audit row of a grouped transaction that throws after appending it', async () => {
    const { store, onDisk } = open();
    const record = (id: string) => ({
      id,
      time: new Date(0).toISOString(),
      service: 'test',
      location: 'here',
      operation: id,
      requestId: id,
      principal: 'tester',
      resources: [],
      parameters: {},
    });
    store.groupedTransaction(() => store.appendAudit(record('kept')));
    expect(() =>
      store.groupedTransaction(() => {
        store.appendAudit(record('undone'));
        throw new Error('after its audit row');
      }),
    ).to.throw('after its audit row');
    await store.committed();
    expect(onDisk('SELECT operation FROM audit_records')).to.deep.equal([{ operation: 'kept' }]);
  });

  it('a plain transaction joining a group comes after the audit rows of its calls (an admin reset deletes them)', async () => {
    const { store, onDisk } = open();
    const core = new HsmCore({ store, rootKey: randomBytes(32) });
    const calls = Array.from({ length: 3 }, (_, i) =>
      core.call(call(`op${i}`), { run: () => store.put('test.thing', `t${i}`, {}), fail: boom }),
    );
    store.transaction(() => store.clear());
    await Promise.all(calls);
    expect(onDisk('SELECT seq FROM audit_records')).to.deep.equal([]);
    expect(onDisk('SELECT name FROM resources')).to.deep.equal([]);
    // Positions keep growing after the reset: a cursor from before it never skips a newer record.
    await core.call(call('after'), { run: () => undefined, fail: boom });
    expect(onDisk('SELECT seq, operation FROM audit_records')).to.deep.equal([
      { seq: 4, operation: 'after' },
    ]);
  });

  it('fails every call of a group whose audit rows cannot be written, and keeps nothing of it', async () => {
    const state: { failing?: string; runs: Map<string, number> } = { runs: new Map() };
    const { store, onDisk } = open({ open: instrumented(state) });
    const core = new HsmCore({ store, rootKey: randomBytes(32) });
    await core.call(call('before'), { run: () => store.put('test.thing', 'before', {}), fail: boom });
    state.failing = 'INSERT OR ROLLBACK INTO audit_resources';
    const outcomes = await Promise.allSettled(
      Array.from({ length: 4 }, (_, i) =>
        core.call(call(`lost${i}`), {
          run: (scope) => {
            // A second resource: the first is in the record's own row, this one in audit_resources.
            scope.touch(`thing/t${i}`);
            scope.touch('thing/shared');
            store.put('test.thing', `t${i}`, {});
          },
          fail: boom,
        }),
      ),
    );
    delete state.failing;
    for (const outcome of outcomes) {
      expect(outcome.status).to.equal('rejected');
      expect((outcome as PromiseRejectedResult).reason).to.be.instanceOf(StoreCommitError);
    }
    expect(onDisk('SELECT name FROM resources')).to.deep.equal([{ name: 'before' }]);
    expect(onDisk('SELECT operation FROM audit_records')).to.deep.equal([{ operation: 'before' }]);
    expect(onDisk('SELECT seq FROM audit_resources')).to.deep.equal([]);
    expect(onDisk('SELECT resource FROM audit_names')).to.deep.equal([]);
    await core.call(call('after'), { run: (scope) => scope.touch('thing/after'), fail: boom });
    expect(onDisk('SELECT operation FROM audit_records ORDER BY seq')).to.deep.equal([
      { operation: 'before' },
      { operation: 'after' },
    ]);
  });
});

describe('SQLite store record cache', () => {
  const open = durableStores();
  const reads = (runs: Map<string, number>) => runsOf(runs, 'SELECT record FROM resources');

  it('parses a record once per write: later reads are copies, served without a SELECT', () => {
    const state = { runs: new Map<string, number>() };
    const { store } = open({ open: instrumented(state) });
    store.put('k', 'a', { v: 1, list: [{ n: 1 }] });
    const first = store.get<{ v: number; list: { n: number }[] }>('k', 'a')!;
    first.v = 2;
    first.list[0]!.n = 2;
    first.list.push({ n: 3 });
    const second = store.get<{ v: number; list: { n: number }[] }>('k', 'a')!;
    expect(second).to.deep.equal({ v: 1, list: [{ n: 1 }] });
    second.v = 5;
    expect(store.get('k', 'a')).to.deep.equal({ v: 1, list: [{ n: 1 }] });
    expect(reads(state.runs)).to.equal(1);
    store.put('k', 'a', { v: 3 });
    expect(store.get('k', 'a')).to.deep.equal({ v: 3 });
    store.delete('k', 'a');
    expect(store.get('k', 'a')).to.equal(undefined);
  });

  it('never serves a write that was rolled back: a transaction, a grouped call, a nested one', async () => {
    const { store } = open();
    store.put('k', 'a', { v: 1 });
    expect(store.get('k', 'a')).to.deep.equal({ v: 1 });
    // Writes `v`, reads it back in the same transaction, then throws: the write is undone.
    const undone = (v: number) => () => {
      store.put('k', 'a', { v });
      expect(store.get('k', 'a')).to.deep.equal({ v });
      throw new Error('undo');
    };
    expect(() => store.transaction(undone(2))).to.throw('undo');
    expect(store.get('k', 'a')).to.deep.equal({ v: 1 });
    expect(() => store.groupedTransaction(undone(3))).to.throw('undo');
    // A later call of the same group reads what the group holds, not what the undone call wrote.
    store.groupedTransaction(() => {
      expect(store.get('k', 'a')).to.deep.equal({ v: 1 });
      store.transaction(() => {
        expect(() =>
          store.transaction(() => {
            store.clear();
            expect(store.get('k', 'a')).to.equal(undefined);
            throw new Error('undo');
          }),
        ).to.throw('undo');
        expect(store.get('k', 'a')).to.deep.equal({ v: 1 });
      });
    });
    await store.committed();
    expect(store.get('k', 'a')).to.deep.equal({ v: 1 });
  });

  it('serves what another connection to the same database committed (a second server on the data dir)', () => {
    const { store, path } = open();
    const other = new SqliteResourceStore(path);
    try {
      store.put('k', 'a', { v: 1 });
      expect(store.get('k', 'a')).to.deep.equal({ v: 1 });
      other.put('k', 'a', { v: 2, enabled: false });
      expect(store.get('k', 'a')).to.deep.equal({ v: 2, enabled: false });
      other.delete('k', 'a');
      expect(store.get('k', 'a')).to.equal(undefined);
    } finally {
      other.close();
    }
  });

  it('numbers audit rows after those another connection to the same file appended', async () => {
    const { store, path } = open();
    const other = new SqliteResourceStore(path);
    try {
      store.groupedTransaction(() => store.appendAudit(auditRecord('a1')));
      await store.committed();
      other.appendAudit(auditRecord('b1'));
      store.groupedTransaction(() => store.appendAudit(auditRecord('a2')));
      await store.committed();
      store.appendAudit(auditRecord('a3'));
      expect(store.queryAudit({}).map((r) => r.operation)).to.deep.equal(['a1', 'b1', 'a2', 'a3']);
    } finally {
      other.close();
    }
  });

  it('finds a name again once another connection pruned every record of it', async () => {
    const { store, path } = open();
    const other = new SqliteResourceStore(path);
    const key = 'arn:aws:kms:us-east-1:111122223333:key/k1';
    try {
      store.groupedTransaction(() => store.appendAudit(auditRecord('a1', [key])));
      await store.committed();
      other.appendAudit(auditRecord('b1', []));
      other.pruneAudit({ maxEvents: 1 });
      store.groupedTransaction(() => store.appendAudit(auditRecord('a2', [key])));
      await store.committed();
      expect(store.queryAudit({ resource: key }).map((r) => r.operation)).to.deep.equal(['a2']);
      expect(other.queryAudit({ resource: 'k1' }).map((r) => r.operation)).to.deep.equal(['a2']);
    } finally {
      other.close();
    }
  });

  it('never serves a write whose group failed to commit', async () => {
    const state = { failing: false };
    const { store } = open({ open: failingCommits(state) });
    store.put('k', 'a', { v: 1 });
    expect(store.get('k', 'a')).to.deep.equal({ v: 1 });
    store.groupedTransaction(() => {
      store.put('k', 'a', { v: 2 });
      expect(store.get('k', 'a')).to.deep.equal({ v: 2 });
    });
    state.failing = true;
    const lost = store.committed();
    await Promise.resolve();
    await new Promise((resolve) => setImmediate(resolve));
    await lost.then(
      () => expect.fail('the group committed'),
      (error: unknown) => expect(error).to.be.instanceOf(StoreCommitError),
    );
    state.failing = false;
    expect(store.get('k', 'a')).to.deep.equal({ v: 1 });
  });
});
