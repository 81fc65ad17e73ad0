import { expect } from 'chai';
import { type AuditRecord, openSqlite, SqliteResourceStore } from '../src/core/index.js';
import { sqliteDrivers } from './sqlite-drivers.js';
import { auditEvent, sqlitePathPerTest } from './sqlite-test-files.js';

const event = (id: string, time?: string): AuditRecord =>
  auditEvent(id, [`arn:aws:kms:us-east-1:111122223333:key/${id}`], time);

/**
 * An audit position is never used twice, whichever connection appends and whatever deleted the rows
 * before it: a cursor taken before a prune or a clear never skips a newer record.
 */
for (const driver of sqliteDrivers) {
  describe(`SqliteResourceStore audit positions (${driver})`, () => {
    const files = sqlitePathPerTest('kms-audit-positions-');

    /** `sql` on a read-only connection of its own. */
    const read = (sql: string) => {
      const db = openSqlite(files.path, { readonly: true, driver });
      try {
        return db.prepare(sql).all();
      } finally {
        db.close();
      }
    };
    const positions = () =>
      read('SELECT seq FROM audit_records ORDER BY seq').map((row) => (row as { seq: number }).seq);

    it('numbers after every position ever used: across two connections, after pruning emptied the log and after a clear', () => {
      const a = new SqliteResourceStore(files.path, { driver });
      const b = new SqliteResourceStore(files.path, { driver });
      try {
        for (const id of ['a1', 'a2', 'a3']) a.appendAudit(event(id));
        expect(positions()).to.deep.equal([1, 2, 3]);
        // An age prune that takes the whole log, the last position with it.
        a.pruneAudit({ before: new Date('2027-01-01T00:00:00.000Z') });
        expect(positions()).to.deep.equal([]);
        b.appendAudit(event('b1'));
        expect(positions()).to.deep.equal([4]);
        // A count prune that keeps nothing, through the connection that did not append.
        a.pruneAudit({ maxEvents: 0 });
        a.appendAudit(event('a4'));
        expect(positions()).to.deep.equal([5]);
        // A clear by the other connection, after which the first appends without reading again
        // what it knew (its data version tells it the other committed).
        b.clear();
        a.appendAudit(event('a5'));
        expect(positions()).to.deep.equal([6]);
        a.clear();
        b.appendAudit(event('b2'));
        expect(positions()).to.deep.equal([7]);
        // An age prune that leaves the last record keeps no floor: none is needed.
        b.appendAudit(event('b3', '2026-06-01T00:00:00.000Z'));
        b.pruneAudit({ before: new Date('2026-03-01T00:00:00.000Z') });
        expect(positions()).to.deep.equal([8]);
      } finally {
        a.close();
        b.close();
      }
      const reopened = new SqliteResourceStore(files.path, { driver });
      try {
        reopened.clear();
        reopened.appendAudit(event('c1'));
      } finally {
        reopened.close();
      }
      expect(positions()).to.deep.equal([9]);
      expect(read('SELECT seq FROM audit_seq_floor')).to.deep.equal([{ seq: 8 }]);
    });

    it('appends without writing a sequence row: AUTOINCREMENT is not used for audit positions', () => {
      const store = new SqliteResourceStore(files.path, { driver });
      try {
        for (const id of ['a1', 'a2']) store.appendAudit(event(id));
      } finally {
        store.close();
      }
      expect(read("SELECT name FROM sqlite_sequence WHERE name = 'audit_records'")).to.deep.equal([]);
      expect(read('SELECT seq FROM audit_seq_floor')).to.deep.equal([]);
      expect(positions()).to.deep.equal([1, 2]);
    });
  });
}
