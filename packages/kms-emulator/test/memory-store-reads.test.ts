import { expect } from 'chai';
import { MemoryResourceStore } from '../src/index.js';

/** Counts JSON.parse calls made while `fn` runs. */
function parsesDuring(fn: () => void): number {
  const parse = JSON.parse;
  let count = 0;
  JSON.parse = ((...args: Parameters<typeof JSON.parse>) => {
    count++;
    return parse(...args);
  }) as typeof JSON.parse;
  try {
    fn();
  } finally {
    JSON.parse = parse;
  }
  return count;
}

describe('memory store reads: one parse per write, a fresh copy per read', () => {
  it('parses a record once however often it is read, and again only after it is written', () => {
    const store = new MemoryResourceStore();
    store.put('k', 'a', { n: 1, tags: [{ key: 'x' }] });
    expect(
      parsesDuring(() => {
        for (let i = 0; i < 5; i++) expect(store.get('k', 'a')).to.deep.equal({ n: 1, tags: [{ key: 'x' }] });
      }),
    ).to.equal(1);
    store.put('k', 'a', { n: 2, tags: [] });
    expect(
      parsesDuring(() => {
        for (let i = 0; i < 3; i++) expect(store.get('k', 'a')).to.deep.equal({ n: 2, tags: [] });
      }),
    ).to.equal(1);
  });

  it('hands out copies: changing what a read returned changes neither the store nor a later read', () => {
    const store = new MemoryResourceStore();
    store.put('k', 'a', { n: 1, tags: [{ key: 'x' }] });
    const first = store.get<{ n: number; tags: { key: string }[] }>('k', 'a')!;
    first.n = 99;
    first.tags[0]!.key = 'changed';
    first.tags.push({ key: 'extra' });
    expect(store.get('k', 'a')).to.deep.equal({ n: 1, tags: [{ key: 'x' }] });
    expect(store.list('k', { limit: 10 }).records).to.deep.equal([{ n: 1, tags: [{ key: 'x' }] }]);
  });

  it('keeps a member named __proto__ an own member, as JSON.parse does, and undoes to the old record', () => {
    const store = new MemoryResourceStore();
    store.put('k', 'a', JSON.parse('{"labels":{"__proto__":"v"}}'));
    const read = store.get<{ labels: Record<string, unknown> }>('k', 'a')!;
    expect(Object.getPrototypeOf(read.labels)).to.equal(Object.prototype);
    expect(Object.keys(read.labels)).to.deep.equal(['__proto__']);
    expect(() =>
      store.transaction(() => {
        store.put('k', 'a', { labels: {} });
        expect(store.get('k', 'a')).to.deep.equal({ labels: {} });
        throw new Error('roll back');
      }),
    ).to.throw('roll back');
    expect(Object.keys(store.get<{ labels: object }>('k', 'a')!.labels)).to.deep.equal(['__proto__']);
  });
});
