import { expect } from 'chai';
import { type AuditRecord, openSqlite, SqliteResourceStore } from '../src/core/index.js';
import { sqliteDrivers } from './sqlite-drivers.js';
import { auditEvent, sqlitePathPerTest } from './sqlite-test-files.js';

const KEY = 'arn:aws:kms:us-east-1:111122223333:key/k1';

/**
 * Each method of the store that writes, as a grouped call would run it. A grouped call's savepoint
 * opens at its first write (sqlite-commit-group.ts): that is sound only while every write goes
 * through the store's `transaction`, or is deferred to the group's COMMIT (an audit row, a prune).
 */
const WRITES: Record<string, (store: SqliteResourceStore) => void> = {
  put: (store) => {
    store.put('key', 'a', { v: 2 }, ['t2']);
    store.put('key', 'b', { v: 1 }, ['t']);
  },
  delete: (store) => store.delete('key', 'a'),
  clear: (store) => store.clear(),
  appendAudit: (store) =>
    store.appendAudit(auditEvent('e3', [KEY, 'arn:aws:kms:us-east-1:111122223333:key/k9'])),
  pruneAudit: (store) => {
    store.pruneAudit({ maxEvents: 0 });
    store.pruneAudit({ before: new Date('2030-01-01T00:00:00.000Z') });
  },
  transaction: (store) => store.transaction(() => store.delete('key', 'a')),
  groupedTransaction: (store) => store.groupedTransaction(() => store.put('key', 'c', { v: 1 })),
};

/** Each method that writes nothing of its own (`close` ends the store; `commits` counts). */
const NOT_WRITES = ['get', 'list', 'queryAudit', 'pageAudit', 'committed', 'close', 'commits'];

const TABLES = [
  'resources',
  'resource_terms',
  'audit_records',
  'audit_resources',
  'audit_names',
  'audit_seq_floor',
];

for (const driver of sqliteDrivers) {
  describe(`SqliteResourceStore grouped call that throws (${driver})`, () => {
    const files = sqlitePathPerTest('kms-grouped-writes-');

    /** Every row of the store's tables, as a fresh connection sees them (only what is committed). */
    const onDisk = () => {
      const db = openSqlite(files.path, { readonly: true, driver });
      try {
        return Object.fromEntries(
          TABLES.map((table) => [table, db.prepare(`SELECT * FROM ${table} ORDER BY 1, 2`).all()]),
        );
      } finally {
        db.close();
      }
    };

    it('lists every method of the store as a write (tested below) or not: a new one must be placed', () => {
      const methods = Object.getOwnPropertyNames(SqliteResourceStore.prototype).filter(
        (name) => name !== 'constructor',
      );
      expect([...methods].sort()).to.deep.equal([...Object.keys(WRITES), ...NOT_WRITES].sort());
    });

    for (const [method, write] of Object.entries(WRITES))
      it(`keeps nothing of ${method} in a grouped call that then throws, while its group commits`, async () => {
        const store = new SqliteResourceStore(files.path, { driver });
        try {
          store.put('key', 'a', { v: 1 }, ['t']);
          store.appendAudit(auditEvent('e1', [KEY]));
          store.appendAudit(auditEvent('e2', [KEY]));
          const before = onDisk();

          // A call that succeeds opens the group, so the group commits with whatever the failed call
          // left in its transaction.
          store.groupedTransaction(() => store.appendAudit(auditEvent('ok', [])));
          expect(() =>
            store.groupedTransaction(() => {
              write(store);
              throw new Error('the call failed');
            }),
          ).to.throw('the call failed');
          await store.committed();

          const after = onDisk();
          const ok = (after.audit_records as { record: string }[]).filter(
            (row) => (JSON.parse(row.record) as AuditRecord).id === 'ok',
          );
          expect(ok).to.have.length(1);
          expect({
            ...after,
            audit_records: after.audit_records!.filter((row) => !ok.includes(row as never)),
          }).to.deep.equal(before);
        } finally {
          store.close();
        }
      });
  });
}
