import { expect } from 'chai';
import { openSqlite, type SqliteDatabase, SqliteResourceStore } from '../src/index.js';
import { auditEvent as event, sqlitePathPerTest } from './sqlite-test-files.js';

/** The audit tables as the store wrote them before `audit_resources` was keyed by (seq, resource). */
const AUDIT_SCHEMA_V1 = `
CREATE TABLE audit_records (seq INTEGER PRIMARY KEY AUTOINCREMENT, time INTEGER NOT NULL,
  service TEXT NOT NULL, location TEXT NOT NULL, operation TEXT NOT NULL, record TEXT NOT NULL);
CREATE INDEX audit_records_by_time ON audit_records (time);
CREATE TABLE audit_resources (seq INTEGER NOT NULL, resource TEXT NOT NULL, tail TEXT NOT NULL);
CREATE INDEX audit_resources_by_seq ON audit_resources (seq);
CREATE INDEX audit_resources_by_resource ON audit_resources (resource);
CREATE INDEX audit_resources_by_tail ON audit_resources (tail);
`;

/** Then keyed by (seq, resource), each row with the name and its tail, before names were interned. */
const AUDIT_SCHEMA_V2 = `
CREATE TABLE audit_records (seq INTEGER PRIMARY KEY AUTOINCREMENT, time INTEGER NOT NULL,
  service TEXT NOT NULL, location TEXT NOT NULL, operation TEXT NOT NULL, record TEXT NOT NULL);
CREATE INDEX audit_records_by_time ON audit_records (time);
CREATE TABLE audit_resources (seq INTEGER NOT NULL, resource TEXT NOT NULL, tail TEXT NOT NULL,
  PRIMARY KEY (seq, resource)) WITHOUT ROWID;
CREATE INDEX audit_resources_by_tail_resource ON audit_resources (tail, resource);
`;

/** Then with interned names, while `audit_records` was still AUTOINCREMENT (before `audit_seq_floor`). */
const AUDIT_SCHEMA_V3 = `
CREATE TABLE audit_records (seq INTEGER PRIMARY KEY AUTOINCREMENT, time INTEGER NOT NULL,
  service TEXT NOT NULL, location TEXT NOT NULL, operation TEXT NOT NULL, record TEXT NOT NULL);
CREATE INDEX audit_records_by_time ON audit_records (time);
CREATE TABLE audit_names (id INTEGER PRIMARY KEY AUTOINCREMENT, resource TEXT NOT NULL UNIQUE,
  tail TEXT NOT NULL);
CREATE INDEX audit_names_by_tail ON audit_names (tail);
CREATE TABLE audit_resources (seq INTEGER NOT NULL, name INTEGER NOT NULL,
  PRIMARY KEY (seq, name)) WITHOUT ROWID;
CREATE INDEX audit_resources_by_name ON audit_resources (name);
`;

const KEY = 'arn:aws:kms:us-east-1:111122223333:key/k1';
const OTHER = 'arn:aws:kms:us-east-1:111122223333:key/k2';

describe('SqliteResourceStore audit_resources layout', () => {
  const files = sqlitePathPerTest('kms-audit-layout-');

  const indexes = () => {
    const db = openSqlite(files.path, { readonly: true });
    try {
      return db
        .prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'audit_resources'")
        .all()
        .map((row) => (row as { name: string }).name)
        .filter((name) => !name.startsWith('sqlite_autoindex'));
    } finally {
      db.close();
    }
  };

  /** `sql` on a read-only connection of its own. */
  const read = (sql: string) => {
    const db = openSqlite(files.path, { readonly: true });
    try {
      return db.prepare(sql).all();
    } finally {
      db.close();
    }
  };

  /** The (seq, resource name) pairs `table` (audit_records: first resources; audit_resources: further ones) holds. */
  const namesIn = (table: 'audit_records' | 'audit_resources') =>
    read(`SELECT r.seq, n.resource FROM ${table} r JOIN audit_names n ON n.id = r.name ORDER BY r.seq, n.id`);

  it("keeps a record's first resource in its own row, a further one in audit_resources, and each name once", () => {
    const store = new SqliteResourceStore(files.path);
    try {
      for (const n of [1, 2, 3]) store.appendAudit(event(`e${n}`, [KEY]));
      store.appendAudit(event('e4', [OTHER, KEY]));
      expect(store.queryAudit({ resource: KEY }).map((record) => record.id)).to.deep.equal([
        'e1',
        'e2',
        'e3',
        'e4',
      ]);
      expect(store.queryAudit({ resource: 'k2' }).map((record) => record.id)).to.deep.equal(['e4']);
    } finally {
      store.close();
    }
    expect(indexes()).to.deep.equal(['audit_resources_by_name']);
    expect(read('SELECT resource, tail FROM audit_names ORDER BY id')).to.deep.equal([
      { resource: KEY, tail: 'k1' },
      { resource: OTHER, tail: 'k2' },
    ]);
    expect(namesIn('audit_records')).to.deep.equal([
      { seq: 1, resource: KEY },
      { seq: 2, resource: KEY },
      { seq: 3, resource: KEY },
      { seq: 4, resource: OTHER },
    ]);
    expect(namesIn('audit_resources')).to.deep.equal([{ seq: 4, resource: KEY }]);
  });

  it('removes a name once pruning left no record of it, by count and by age', () => {
    const store = new SqliteResourceStore(files.path);
    try {
      store.appendAudit(event('e1', [KEY, OTHER]));
      store.appendAudit(event('e2', [KEY]));
      store.pruneAudit({ maxEvents: 1 });
      expect(read('SELECT resource FROM audit_names')).to.deep.equal([{ resource: KEY }]);
      store.appendAudit({ ...event('e3', [OTHER]), time: '2026-01-02T00:00:00.000Z' });
      store.pruneAudit({ before: new Date('2026-01-01T12:00:00.000Z') });
      expect(read('SELECT resource FROM audit_names')).to.deep.equal([{ resource: OTHER }]);
      // A name removed and then used again gets a new row, found by name and by last segment.
      store.appendAudit({ ...event('e4', [KEY]), time: '2026-01-02T00:00:00.000Z' });
      expect(store.queryAudit({ resource: KEY }).map((r) => r.id)).to.deep.equal(['e4']);
      expect(store.queryAudit({ resource: 'k1' }).map((r) => r.id)).to.deep.equal(['e4']);
      store.clear();
      expect(read('SELECT resource FROM audit_names')).to.deep.equal([]);
    } finally {
      store.close();
    }
  });

  /** A connection to `file` with some of its methods replaced (`open` option of the store). */
  const opened = (file: string, replace: (db: SqliteDatabase) => Partial<SqliteDatabase>): SqliteDatabase => {
    const db = openSqlite(file);
    return {
      ...db,
      ...replace(db),
      driver: db.driver,
      get inTransaction() {
        return db.inTransaction;
      },
    };
  };

  /** Opens the store on a connection whose `exec` of `statement` fails once (a full disk): the open fails. */
  const openFailingAt = (statement: string) => {
    let failed = false;
    const failing = (file: string) =>
      opened(file, (db) => ({
        exec(sql: string) {
          if (!failed && sql === statement) {
            failed = true;
            throw new Error('injected: disk full');
          }
          db.exec(sql);
        },
      }));
    expect(() => new SqliteResourceStore(files.path, { open: failing })).to.throw('injected: disk full');
    expect(failed).to.equal(true);
  };

  /** The log `writeOldLayout` wrote, migrated by an open that does not fail. */
  const expectMigratedOnReopen = () => {
    const store = new SqliteResourceStore(files.path);
    try {
      expect(store.queryAudit({ resource: 'k2' }).map((record) => record.id)).to.deep.equal(['e2', 'e3']);
    } finally {
      store.close();
    }
    expect(indexes()).to.deep.equal(['audit_resources_by_name']);
  };

  /** An audit log of three records (two resources) in the `schema` layout, as an earlier store wrote it. */
  const writeOldLayout = (schema: string) => {
    const db = openSqlite(files.path);
    db.exec(schema);
    const insert = db.prepare(
      'INSERT INTO audit_records (time, service, location, operation, record) VALUES (?, ?, ?, ?, ?)',
    );
    const interned = schema === AUDIT_SCHEMA_V3;
    const link = interned
      ? {
          run: (seq: number, resource: string, tail: string) => {
            db.prepare('INSERT OR IGNORE INTO audit_names (resource, tail) VALUES (?, ?)').run(
              resource,
              tail,
            );
            db.prepare(
              'INSERT INTO audit_resources (seq, name) SELECT ?, id FROM audit_names WHERE resource = ?',
            ).run(seq, resource);
          },
        }
      : db.prepare('INSERT INTO audit_resources (seq, resource, tail) VALUES (?, ?, ?)');
    for (const [seq, resources] of [
      [1, [KEY]],
      [2, [KEY, OTHER]],
      [3, [OTHER]],
    ] as const) {
      insert.run(
        Date.parse('2026-01-01'),
        'aws',
        'us-east-1',
        'Decrypt',
        JSON.stringify(event(`e${seq}`, [...resources])),
      );
      for (const resource of resources)
        link.run(seq, resource, resource.slice(resource.lastIndexOf('/') + 1));
    }
    db.close();
  };

  for (const [layout, schema] of [
    ['the first layout (three indexes)', AUDIT_SCHEMA_V1],
    ['the layout keyed by (seq, resource)', AUDIT_SCHEMA_V2],
  ] as const)
    it(`migrates ${layout} on open, keeping every row findable by name and by last segment`, () => {
      writeOldLayout(schema);

      const store = new SqliteResourceStore(files.path);
      try {
        const ids = (resource: string) => store.queryAudit({ resource }).map((record) => record.id);
        expect(ids(KEY)).to.deep.equal(['e1', 'e2']);
        expect(ids('k1')).to.deep.equal(['e1', 'e2']);
        expect(ids('k2')).to.deep.equal(['e2', 'e3']);
        expect(ids('arn:aws:kms:us-east-1:111122223333:key/k3')).to.deep.equal([]);
        store.appendAudit(event('e4', [KEY]));
        expect(ids('k1')).to.deep.equal(['e1', 'e2', 'e4']);
        store.pruneAudit({ maxEvents: 1 });
        expect(ids('k1')).to.deep.equal(['e4']);
        expect(ids('k2')).to.deep.equal([]);
      } finally {
        store.close();
      }
      expect(indexes()).to.deep.equal(['audit_resources_by_name']);
      expect(read('SELECT COUNT(*) AS n FROM audit_resources')).to.deep.equal([{ n: 0 }]);
      expect(read('SELECT seq, name FROM audit_records')).to.deep.equal([{ seq: 4, name: 1 }]);
      expect(read('SELECT resource, tail FROM audit_names')).to.deep.equal([{ resource: KEY, tail: 'k1' }]);
    });
  for (const [layout, schema] of [
    ['the first layout (three indexes)', AUDIT_SCHEMA_V1],
    ['the layout keyed by (seq, resource)', AUDIT_SCHEMA_V2],
    ['the layout with interned names', AUDIT_SCHEMA_V3],
  ] as const)
    it(`rebuilds the AUTOINCREMENT audit_records of ${layout}, never reusing a position it used`, () => {
      writeOldLayout(schema);
      // The last record pruned: only AUTOINCREMENT's sqlite_sequence still knows position 3 was used.
      const db = openSqlite(files.path);
      db.exec('DELETE FROM audit_records WHERE seq = 3; DELETE FROM audit_resources WHERE seq = 3');
      db.close();
      expect(read("SELECT seq FROM sqlite_sequence WHERE name = 'audit_records'")).to.deep.equal([
        { seq: 3 },
      ]);

      const store = new SqliteResourceStore(files.path);
      try {
        store.appendAudit({ ...event('e4', [KEY]), time: '2026-02-01T00:00:00.000Z' });
        expect(store.queryAudit({ since: new Date('2026-01-15') }).map((record) => record.id)).to.deep.equal([
          'e4',
        ]);
      } finally {
        store.close();
      }
      expect(
        read('SELECT seq, operation FROM audit_records ORDER BY seq').map(
          (row) => (row as { seq: number }).seq,
        ),
      ).to.deep.equal([1, 2, 4]);
      expect(
        (read("SELECT sql FROM sqlite_master WHERE name = 'audit_records'")[0] as { sql: string }).sql,
      ).to.not.match(/AUTOINCREMENT/);
      expect(
        read(
          "SELECT name FROM sqlite_master WHERE tbl_name = 'audit_records' AND type = 'index' ORDER BY name",
        ),
      ).to.deep.equal([{ name: 'audit_records_by_name' }, { name: 'audit_records_by_time' }]);
      expect(read("SELECT name FROM sqlite_sequence WHERE name = 'audit_records'")).to.deep.equal([]);
      expect(read('SELECT seq FROM audit_seq_floor')).to.deep.equal([{ seq: 3 }]);
      // Each record's first resource moved into its row; e2's second stayed in audit_resources.
      expect(namesIn('audit_records')).to.deep.equal([
        { seq: 1, resource: KEY },
        { seq: 2, resource: KEY },
        { seq: 4, resource: KEY },
      ]);
      expect(namesIn('audit_resources')).to.deep.equal([{ seq: 2, resource: OTHER }]);
    });

  it('leaves an earlier layout as it was when its migration fails midway, and migrates it on the next open', () => {
    writeOldLayout(AUDIT_SCHEMA_V2);
    openFailingAt('DROP TABLE audit_resources');
    expect(indexes()).to.deep.equal(['audit_resources_by_tail_resource']);
    expect(read('SELECT COUNT(*) AS n FROM audit_resources')).to.deep.equal([{ n: 4 }]);
    expect(read("SELECT name FROM sqlite_master WHERE name = 'audit_resources_v3'")).to.deep.equal([]);
    expectMigratedOnReopen();
  });

  it('migrates both audit tables of the first layout in one transaction: a failure at the second leaves both old', () => {
    writeOldLayout(AUDIT_SCHEMA_V1);
    const before = read("SELECT name, sql FROM sqlite_master WHERE tbl_name LIKE 'audit_re%' ORDER BY name");
    // The rebuild of audit_records, after audit_resources was migrated.
    openFailingAt('DROP TABLE audit_records');
    // audit_records and audit_resources (and their indexes) as the first layout wrote them, no new table.
    expect(
      read("SELECT name, sql FROM sqlite_master WHERE tbl_name LIKE 'audit_re%' ORDER BY name"),
    ).to.deep.equal(before);
    expect(read('SELECT COUNT(*) AS n FROM audit_resources')).to.deep.equal([{ n: 4 }]);
    expect(read("SELECT seq FROM sqlite_sequence WHERE name = 'audit_records'")).to.deep.equal([{ seq: 3 }]);
    expectMigratedOnReopen();
  });

  it('opens an earlier layout holding records SQLite cannot read as JSON, their resources left in audit_resources', () => {
    writeOldLayout(AUDIT_SCHEMA_V1);
    const db = openSqlite(files.path);
    const insert = db.prepare(
      'INSERT INTO audit_records (time, service, location, operation, record) VALUES (?, ?, ?, ?, ?)',
    );
    const link = db.prepare('INSERT INTO audit_resources (seq, resource, tail) VALUES (?, ?, ?)');
    // Not JSON at all, then JSON nested past SQLite's depth limit (json_extract throws on both).
    for (const [seq, record] of [
      [4, 'not json'],
      [5, `{"resources":["${OTHER}"],"x":${'['.repeat(2000)}${']'.repeat(2000)}}`],
    ] as const) {
      insert.run(Date.parse('2026-01-01'), 'aws', 'us-east-1', 'Decrypt', record);
      link.run(seq, OTHER, 'k2');
    }
    db.close();

    const store = new SqliteResourceStore(files.path);
    try {
      expect(store.queryAudit({ resource: 'k1' }).map((record) => record.id)).to.deep.equal(['e1', 'e2']);
      store.appendAudit(event('e6', [KEY]));
    } finally {
      store.close();
    }
    // Their first resource stayed in audit_resources (name NULL in their rows), where a query finds it.
    expect(read('SELECT seq FROM audit_records WHERE name IS NULL ORDER BY seq')).to.deep.equal([
      { seq: 4 },
      { seq: 5 },
    ]);
    expect(namesIn('audit_records').map((row) => (row as { seq: number }).seq)).to.deep.equal([1, 2, 3, 6]);
    expect(namesIn('audit_resources')).to.deep.equal([
      { seq: 2, resource: OTHER },
      { seq: 4, resource: OTHER },
      { seq: 5, resource: OTHER },
    ]);
  });

  it('opens an earlier layout that another connection migrated between its check and its transaction', () => {
    writeOldLayout(AUDIT_SCHEMA_V1);
    let raced = false;
    const racing = (file: string) =>
      opened(file, (db) => ({
        transaction<T>(fn: () => T): T {
          if (!raced) {
            raced = true;
            new SqliteResourceStore(file).close(); // a second server on the same data dir, opened first
          }
          return db.transaction(fn);
        },
      }));
    const store = new SqliteResourceStore(files.path, { open: racing });
    try {
      expect(raced).to.equal(true);
      expect(store.queryAudit({ resource: KEY }).map((record) => record.id)).to.deep.equal(['e1', 'e2']);
    } finally {
      store.close();
    }
  });
});
