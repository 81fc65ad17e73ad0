import { expect } from 'chai';
import { type AuditQuery, type AuditRecord, MemoryResourceStore, matchesAudit } from '../src/core/index.js';

/**
 * The memory store's audit log keeps records as bytes in 1 MiB chunks located through a ring of typed
 * arrays. These tests drive it across chunk boundaries, ring growth, prunes that free chunks, clears and
 * undone transactions, against a plain model: the records appended, by sequence number, filtered with
 * `matchesAudit` itself.
 */

/** A small deterministic PRNG (mulberry32), so a failure replays. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SERVICES = ['aws', 'gcp', 'azure', 'sérvice', '服务'];
const LOCATIONS = ['us-east-1', 'eu-west-1', 'projects/p/locations/global', 'vault-😀', ''];
const OPERATIONS = ['Decrypt', 'Encrypt', 'GenerateDataKey', 'unwrapKey'];
const RESOURCES = [
  'arn:aws:kms:us-east-1:111122223333:key/k1',
  'arn:aws:kms:us-east-1:111122223333:alias/clé',
  'projects/p/locations/global/keyRings/r/cryptoKeys/k1',
  'vault-😀/keys/k2',
  'k1',
  'ends-with/',
  'no-separator-ключ',
];

type Model = { seq: number; record: AuditRecord }[];

function record(next: () => number, id: string): AuditRecord {
  const pick = <T>(list: readonly T[]) => list[Math.floor(next() * list.length)]!;
  const resources = Array.from({ length: Math.floor(next() * 4) }, () => pick(RESOURCES));
  const day = 1 + Math.floor(next() * 28);
  const size = next();
  // Mostly small records; some a third of a chunk; a few larger than a chunk.
  const padding =
    size < 0.93
      ? 'x'.repeat(Math.floor(next() * 200))
      : size < 0.99
        ? 'é'.repeat(180_000)
        : 'y'.repeat(1_200_000);
  return {
    id,
    time: `2026-01-${String(day).padStart(2, '0')}T00:00:00.000Z`,
    service: pick(SERVICES),
    location: pick(LOCATIONS),
    operation: pick(OPERATIONS),
    requestId: `request-${id}`,
    principal: 'arn:aws:iam::111122223333:root',
    resources,
    parameters: { padding, text: 'ünïcödé ✓ 😀' },
    ...(next() < 0.2 ? { error: { code: 'NotFoundException', message: 'gone' } } : {}),
  };
}

function randomQuery(next: () => number, model: Model): AuditQuery {
  const query: AuditQuery = {};
  const pick = <T>(list: readonly T[]) => list[Math.floor(next() * list.length)]!;
  if (next() < 0.3) query.service = pick([...SERVICES, 'none']);
  if (next() < 0.3) query.location = pick([...LOCATIONS, 'none']);
  if (next() < 0.3) query.operation = pick(OPERATIONS);
  if (next() < 0.4)
    query.resource = pick(['k1', 'clé', 'k2', '', 'no-separator-ключ', 'key/k1', ...RESOURCES]);
  if (next() < 0.3) query.since = new Date(`2026-01-${String(1 + Math.floor(next() * 28)).padStart(2, '0')}`);
  if (next() < 0.3) query.until = new Date(`2026-01-${String(1 + Math.floor(next() * 28)).padStart(2, '0')}`);
  if (next() < 0.3) query.limit = Math.floor(next() * 5);
  if (next() < 0.4 && model.length > 0) query.after = pick(model).seq + (next() < 0.5 ? 0 : -3);
  return query;
}

/** What `queryAudit` must answer, from the model. */
function expected(model: Model, query: AuditQuery): AuditRecord[] {
  const out: AuditRecord[] = [];
  for (const { seq, record } of model) {
    if (query.limit !== undefined && out.length >= query.limit) break;
    if (query.after !== undefined && seq <= query.after) continue;
    if (matchesAudit(record, query)) out.push(record);
  }
  return out;
}

/** Each record's id and padding length: a short, exact-enough comparison (the last check compares all). */
const ids = (records: AuditRecord[]) =>
  records.map((r) => `${r.id}:${(r.parameters.padding as string | undefined)?.length}`);

describe('MemoryResourceStore audit log as bytes', () => {
  it('answers every query as the model does through appends, prunes, clears and undone transactions', function () {
    this.timeout(120_000);
    const next = random(15);
    const store = new MemoryResourceStore();
    let model: Model = [];
    let seq = 0;
    let chunkSized = 0;
    for (let step = 0; step < 2000; step++) {
      const roll = next();
      const before = model;
      const seqBefore = seq;
      const fails = roll < 0.15;
      try {
        store.transaction(() => {
          const calls = 1 + Math.floor(next() * 4);
          for (let i = 0; i < calls; i++) {
            const action = next();
            if (action < 0.6) {
              const r = record(next, `r${seq + 1}`);
              if (JSON.stringify(r).length > 1 << 20) chunkSized++;
              store.appendAudit(r);
              model = [...model, { seq: ++seq, record: r }];
            } else if (action < 0.85) {
              const maxEvents = Math.floor(next() * 40);
              store.pruneAudit({ maxEvents });
              model = model.slice(Math.max(0, model.length - maxEvents));
            } else if (action < 0.97) {
              const cutoff = new Date(`2026-01-${String(1 + Math.floor(next() * 28)).padStart(2, '0')}`);
              store.pruneAudit({ before: cutoff });
              const keep = model.findIndex((m) => !(Date.parse(m.record.time) < cutoff.getTime()));
              model = keep < 0 ? [] : model.slice(keep);
            } else {
              store.clear();
              model = [];
            }
          }
          if (fails) throw new Error('undo');
        });
      } catch (error) {
        expect((error as Error).message).to.equal('undo');
        model = before;
        // Positions of undone appends are free again only because nothing saw them.
        seq = seqBefore;
      }
      const query = randomQuery(next, model);
      expect(ids(store.queryAudit(query)), JSON.stringify(query)).to.deep.equal(ids(expected(model, query)));
      const limit = 1 + Math.floor(next() * 6);
      const page = store.pageAudit({ ...query, limit });
      const all = expected(model, { ...query, limit: undefined });
      expect(ids(page.records)).to.deep.equal(ids(all.slice(0, limit)));
      expect(page.next !== undefined).to.equal(all.length > limit);
    }
    expect(chunkSized, 'records larger than a chunk were appended').to.be.greaterThan(0);
    // Full records come back exactly (the model keeps the very objects appended).
    expect(store.queryAudit({})).to.deep.equal(model.map((m) => m.record));
  });

  it('filters records with lone surrogates exactly as matchesAudit does', () => {
    const store = new MemoryResourceStore();
    const base: AuditRecord = {
      id: 'a',
      time: '2026-01-01T00:00:00.000Z',
      service: 'aws',
      location: 'us-east-1',
      operation: 'Decrypt',
      requestId: 'r',
      principal: 'p',
      resources: [],
      parameters: {},
    };
    const records: AuditRecord[] = [
      { ...base, id: 'lone-high', resources: ['key/\uD800'] },
      { ...base, id: 'lone-low', resources: ['key/\uDC00'] },
      { ...base, id: 'replacement', resources: ['key/\uFFFD'] },
      { ...base, id: 'pair', resources: ['key/😀'], service: '\uD800' },
      { ...base, id: 'service-replacement', service: '\uFFFD' },
    ];
    for (const r of records) store.appendAudit(r);
    const queries: AuditQuery[] = [
      { resource: '\uD800' },
      { resource: '\uDC00' },
      { resource: '\uFFFD' },
      { resource: '😀' },
      { resource: 'key/\uD800' },
      { service: '\uD800' },
      { service: '\uFFFD' },
    ];
    for (const query of queries) {
      expect(
        store.queryAudit(query).map((r) => r.id),
        JSON.stringify(query),
      ).to.deep.equal(records.filter((r) => matchesAudit(r, query)).map((r) => r.id));
    }
    expect(store.queryAudit({ resource: '\uD800' }).map((r) => r.id)).to.deep.equal(['lone-high']);
  });

  it('matches any of many resources by name or last segment', () => {
    const store = new MemoryResourceStore();
    const resources = Array.from({ length: 2000 }, (_, i) => `arn:aws:kms:us-east-1:111122223333:key/k${i}`);
    store.appendAudit({
      id: 'many',
      time: '2026-01-01T00:00:00.000Z',
      service: 'aws',
      location: 'us-east-1',
      operation: 'ListKeys',
      requestId: 'r',
      principal: 'p',
      resources,
      parameters: {},
    });
    expect(store.queryAudit({ resource: 'k1999' })).to.have.length(1);
    expect(store.queryAudit({ resource: resources[1234] })).to.have.length(1);
    expect(store.queryAudit({ resource: 'k2000' })).to.have.length(0);
    expect(store.queryAudit({})[0]!.resources).to.deep.equal(resources);
  });

  it('undoes a prune that freed chunks, after later appends reused their slots and grew the ring', () => {
    const store = new MemoryResourceStore();
    const big = (id: string): AuditRecord => ({
      id,
      time: '2026-01-01T00:00:00.000Z',
      service: 'aws',
      location: 'us-east-1',
      operation: 'Encrypt',
      requestId: id,
      principal: 'p',
      resources: [`key/${id}`],
      parameters: { padding: 'z'.repeat(300_000) },
    });
    for (let i = 0; i < 10; i++) store.appendAudit(big(`a${i}`));
    const kept = store.queryAudit({}).map((r) => r.id);
    expect(() =>
      store.transaction(() => {
        store.pruneAudit({ maxEvents: 1 });
        // Enough small appends to wrap the 1024-slot ring over the pruned slots and then grow it.
        for (let i = 0; i < 3000; i++) store.appendAudit({ ...big(`b${i}`), parameters: {} });
        store.pruneAudit({ maxEvents: 5 });
        throw new Error('undo');
      }),
    ).to.throw('undo');
    expect(store.queryAudit({}).map((r) => r.id)).to.deep.equal(kept);
    expect(store.queryAudit({ resource: 'a3' })[0]!.parameters).to.deep.equal({
      padding: 'z'.repeat(300_000),
    });
    const last = store.pageAudit({ limit: 10 });
    store.appendAudit(big('c'));
    expect(store.pageAudit({ limit: 10, after: 10 }).records.map((r) => r.id)).to.deep.equal(['c']);
    expect(last.records).to.have.length(10);
    // The undone appends' positions are not visible; the next append takes the next position.
    expect(store.pageAudit({ limit: 10, after: 9 }).records.map((r) => r.id)).to.deep.equal(['a9', 'c']);
  });
});
