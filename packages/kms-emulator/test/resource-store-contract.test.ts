import { expect } from 'chai';
import { MemoryResourceStore, type ResourceStore, SqliteResourceStore } from '../src/core/index.js';

/** Every ResourceStore implementation must pass these; add each new store to the list. */
const STORES: [string, () => ResourceStore][] = [
  ['MemoryResourceStore', () => new MemoryResourceStore()],
  ['SqliteResourceStore', () => new SqliteResourceStore(':memory:')],
];

for (const [label, make] of STORES) {
  describe(`ResourceStore contract: ${label}`, () => {
    let store: ResourceStore;
    beforeEach(() => {
      store = make();
    });
    afterEach(() => store.close());

    it('keeps records apart by kind and returns copies', () => {
      store.put('a.key', 'k1', { n: 1 });
      store.put('b.key', 'k1', { n: 2 });
      const got = store.get<{ n: number }>('a.key', 'k1')!;
      got.n = 99;
      expect(store.get('a.key', 'k1')).to.deep.equal({ n: 1 });
      expect(store.get('b.key', 'k1')).to.deep.equal({ n: 2 });
      store.delete('a.key', 'k1');
      expect(store.get('a.key', 'k1')).to.equal(undefined);
      expect(store.get('b.key', 'k1')).to.deep.equal({ n: 2 });
    });

    it('lists by prefix in name order, page by page, with a marker that resumes exactly', () => {
      const names = Array.from({ length: 25 }, (_, i) => `p/x/${String(i).padStart(3, '0')}`);
      for (const name of [...names].reverse()) store.put('k', name, { name });
      store.put('k', 'p/y/000', { name: 'p/y/000' });
      store.put('k', 'p/w/999', { name: 'p/w/999' });
      const seen: string[] = [];
      let after: string | undefined;
      let pages = 0;
      do {
        const page = store.list<{ name: string }>('k', {
          prefix: 'p/x/',
          limit: 10,
          ...(after ? { after } : {}),
        });
        seen.push(...page.records.map((r) => r.name));
        after = page.next;
        pages++;
      } while (after);
      expect(seen).to.deep.equal(names);
      expect(pages).to.equal(3);
    });

    it('says there is no next page when the last page is exactly full', () => {
      for (let i = 0; i < 4; i++) store.put('k', `n${i}`, { i });
      const first = store.list('k', { limit: 2 });
      expect(first.next).to.equal('n1');
      const second = store.list('k', { limit: 2, after: first.next! });
      expect(second.records).to.have.length(2);
      expect(second.next).to.equal(undefined);
    });

    it('lists by term, and a put replaces the terms', () => {
      store.put('grant', 'g1', { id: 'g1' }, ['key:a', 'retiring:p']);
      store.put('grant', 'g2', { id: 'g2' }, ['key:a']);
      store.put('grant', 'g3', { id: 'g3' }, ['key:b', 'retiring:p']);
      expect(
        store.list<{ id: string }>('grant', { term: 'key:a', limit: 10 }).records.map((r) => r.id),
      ).to.deep.equal(['g1', 'g2']);
      expect(
        store.list<{ id: string }>('grant', { term: 'retiring:p', limit: 10 }).records.map((r) => r.id),
      ).to.deep.equal(['g1', 'g3']);
      store.put('grant', 'g1', { id: 'g1' }, ['key:b']);
      expect(
        store.list<{ id: string }>('grant', { term: 'key:a', limit: 10 }).records.map((r) => r.id),
      ).to.deep.equal(['g2']);
      store.delete('grant', 'g3');
      expect(store.list<{ id: string }>('grant', { term: 'retiring:p', limit: 10 }).records).to.deep.equal(
        [],
      );
    });

    it('undoes every write of a transaction that throws, resources, terms and audit alike', () => {
      store.put('k', 'keep', { v: 1 }, ['t']);
      const audit = (id: string) => ({
        id,
        time: new Date(0).toISOString(),
        service: 's',
        location: 'l',
        operation: 'Op',
        requestId: id,
        principal: 'p',
        resources: ['keep'],
        parameters: {},
      });
      store.appendAudit(audit('a1'));
      expect(() =>
        store.transaction(() => {
          store.put('k', 'keep', { v: 2 }, ['u']);
          store.put('k', 'new', { v: 3 }, ['t']);
          store.appendAudit(audit('a2'));
          store.pruneAudit({ maxEvents: 1 });
          throw new Error('boom');
        }),
      ).to.throw('boom');
      expect(store.get('k', 'keep')).to.deep.equal({ v: 1 });
      expect(store.get('k', 'new')).to.equal(undefined);
      expect(store.list('k', { term: 't', limit: 10 }).records).to.deep.equal([{ v: 1 }]);
      expect(store.list('k', { term: 'u', limit: 10 }).records).to.deep.equal([]);
      expect(store.queryAudit({}).map((r) => r.id)).to.deep.equal(['a1']);
    });

    it('a nested transaction that throws undoes only its own writes', () => {
      store.transaction(() => {
        store.put('k', 'outer', { v: 1 });
        expect(() =>
          store.transaction(() => {
            store.put('k', 'inner', { v: 2 });
            throw new Error('inner');
          }),
        ).to.throw('inner');
      });
      expect(store.get('k', 'outer')).to.deep.equal({ v: 1 });
      expect(store.get('k', 'inner')).to.equal(undefined);
    });

    it('filters the audit log by time, service, location, operation and resource, oldest first', () => {
      const record = (id: string, ms: number, service: string, operation: string, resources: string[]) => ({
        id,
        time: new Date(ms).toISOString(),
        service,
        location: service === 'aws' ? 'us-east-1' : 'projects/p/locations/l',
        operation,
        requestId: id,
        principal: 'p',
        resources,
        parameters: {},
      });
      store.appendAudit(record('a', 1000, 'aws', 'Encrypt', ['arn:aws:kms:us-east-1:111122223333:key/k1']));
      store.appendAudit(
        record('b', 2000, 'gcp', 'Encrypt', ['projects/p/locations/l/keyRings/r/cryptoKeys/k1']),
      );
      store.appendAudit(record('c', 3000, 'aws', 'Decrypt', ['arn:aws:kms:us-east-1:111122223333:key/k2']));
      store.appendAudit(record('d', 4000, 'aws', 'ListKeys', []));
      const ids = (query: Parameters<ResourceStore['queryAudit']>[0]) =>
        store.queryAudit(query).map((r) => r.id);
      expect(ids({})).to.deep.equal(['a', 'b', 'c', 'd']);
      expect(ids({ service: 'aws' })).to.deep.equal(['a', 'c', 'd']);
      expect(ids({ location: 'projects/p/locations/l' })).to.deep.equal(['b']);
      expect(ids({ operation: 'Encrypt' })).to.deep.equal(['a', 'b']);
      expect(ids({ resource: 'k1' })).to.deep.equal(['a', 'b']);
      expect(ids({ resource: 'arn:aws:kms:us-east-1:111122223333:key/k2' })).to.deep.equal(['c']);
      expect(ids({ since: new Date(2000), until: new Date(4000) })).to.deep.equal(['b', 'c']);
      expect(ids({ service: 'aws', limit: 2 })).to.deep.equal(['a', 'c']);
      store.pruneAudit({ maxEvents: 2 });
      expect(ids({})).to.deep.equal(['c', 'd']);
      store.pruneAudit({ before: new Date(4000) });
      expect(ids({ resource: 'k2' })).to.deep.equal([]);
      expect(ids({})).to.deep.equal(['d']);
    });

    const audited = (id: string, service = 'aws') => ({
      id,
      time: new Date(0).toISOString(),
      service,
      location: 'l',
      operation: 'Op',
      requestId: id,
      principal: 'p',
      resources: [`key/${id}`],
      parameters: {},
    });

    it('pages the audit log with a position that resumes exactly, filters applied in every page', () => {
      for (let i = 0; i < 7; i++) store.appendAudit(audited(`a${i}`, i % 3 === 0 ? 'gcp' : 'aws'));
      const walk = (query: { service?: string; resource?: string }, limit: number) => {
        const pages: string[][] = [];
        let after: number | undefined;
        do {
          const page = store.pageAudit({ ...query, limit, ...(after !== undefined ? { after } : {}) });
          pages.push(page.records.map((r) => r.id));
          after = page.next;
        } while (after !== undefined);
        return pages;
      };
      expect(walk({}, 3)).to.deep.equal([['a0', 'a1', 'a2'], ['a3', 'a4', 'a5'], ['a6']]);
      expect(walk({ service: 'aws' }, 2)).to.deep.equal([
        ['a1', 'a2'],
        ['a4', 'a5'],
      ]);
      expect(walk({ resource: 'a4' }, 1)).to.deep.equal([['a4']]);
      expect(store.pageAudit({ limit: 0 })).to.deep.equal({ records: [] });
      // A position stays valid after older records are pruned.
      const first = store.pageAudit({ limit: 2 });
      store.pruneAudit({ maxEvents: 3 });
      expect(store.pageAudit({ limit: 10, after: first.next! }).records.map((r) => r.id)).to.deep.equal([
        'a4',
        'a5',
        'a6',
      ]);
    });

    it('keeps records as JSON, as SQLite does: dates become text, undefined members are dropped', () => {
      store.put('k', 'one', { at: new Date(0), gone: undefined, n: 1 });
      expect(store.get('k', 'one')).to.deep.equal({ at: '1970-01-01T00:00:00.000Z', n: 1 });
      expect(store.list('k', { limit: 1 }).records).to.deep.equal([{ at: '1970-01-01T00:00:00.000Z', n: 1 }]);
    });

    it('prunes thousands of audit records at the bound one call at a time, and undoes a prune exactly', () => {
      // Past the memory store's compaction threshold, so pruned slots are dropped mid-way.
      for (let i = 0; i < 3000; i++) {
        store.transaction(() => {
          store.appendAudit(audited(`a${i}`));
          store.pruneAudit({ maxEvents: 100 });
        });
      }
      const ids = () => store.queryAudit({}).map((r) => r.id);
      const kept = Array.from({ length: 100 }, (_, i) => `a${2900 + i}`);
      expect(ids()).to.deep.equal(kept);
      const position = store.pageAudit({ limit: 50 }).next!;
      expect(() =>
        store.transaction(() => {
          store.appendAudit(audited('b1'));
          store.pruneAudit({ maxEvents: 10 });
          store.appendAudit(audited('b2'));
          throw new Error('boom');
        }),
      ).to.throw('boom');
      expect(ids()).to.deep.equal(kept);
      expect(store.pageAudit({ limit: 100, after: position }).records.map((r) => r.id)).to.deep.equal(
        kept.slice(50),
      );
      store.appendAudit(audited('c1'));
      expect(ids().at(-1)).to.equal('c1');
      expect(store.pageAudit({ limit: 100, after: position }).records).to.have.length(51);
    });

    it('clears every resource and audit record, and a clear that throws in its transaction is undone', () => {
      store.put('k', 'one', { v: 1 }, ['t']);
      store.put('j', 'two', { v: 2 });
      store.appendAudit(audited('a1'));
      expect(() =>
        store.transaction(() => {
          store.clear();
          store.put('k', 'three', { v: 3 });
          store.appendAudit(audited('a2'));
          throw new Error('boom');
        }),
      ).to.throw('boom');
      expect(store.get('k', 'one')).to.deep.equal({ v: 1 });
      expect(store.get('k', 'three')).to.equal(undefined);
      expect(store.list('k', { term: 't', limit: 10 }).records).to.deep.equal([{ v: 1 }]);
      expect(store.queryAudit({}).map((r) => r.id)).to.deep.equal(['a1']);

      store.transaction(() => store.clear());
      expect(store.get('k', 'one')).to.equal(undefined);
      expect(store.list('j', { limit: 10 }).records).to.deep.equal([]);
      expect(store.list('k', { term: 't', limit: 10 }).records).to.deep.equal([]);
      expect(store.queryAudit({})).to.deep.equal([]);
      // Audit positions keep growing, so a cursor from before the clear never skips new records.
      store.appendAudit(audited('a3'));
      expect(store.pageAudit({ limit: 10, after: 1 }).records.map((r) => r.id)).to.deep.equal(['a3']);
      store.put('k', 'one', { v: 4 }, ['t']);
      expect(store.list('k', { term: 't', limit: 10 }).records).to.deep.equal([{ v: 4 }]);
    });
  });
}
