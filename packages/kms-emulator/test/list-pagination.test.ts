import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import {
  KmsEngine,
  type ListQuery,
  MemoryResourceStore,
  type ResourceStore,
  SqliteResourceStore,
} from '../src/index.js';
import { rejection, STORE_KINDS } from './helpers.js';

type Out = Record<string, unknown>;

/** An engine over a store that records every list query and how many records it returned. */
function engineWithListLog(kind: (typeof STORE_KINDS)[number], clock?: () => Date) {
  const store: ResourceStore =
    kind === 'memory' ? new MemoryResourceStore() : new SqliteResourceStore(':memory:');
  const lists: { kind: string; query: ListQuery; returned: number }[] = [];
  const logged: ResourceStore = new Proxy(store, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver);
      if (prop === 'list') {
        return (k: string, query: ListQuery) => {
          const page = target.list(k, query);
          lists.push({ kind: k, query, returned: page.records.length });
          return page;
        };
      }
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  const engine = new KmsEngine({ store: logged, rootKey: randomBytes(32), ...(clock ? { clock } : {}) });
  return { engine, lists };
}

const pages = async (
  engine: KmsEngine,
  operation: string,
  input: Out,
  region = 'us-east-1',
  member = 'Keys',
) => {
  const ctx = engine.context(region);
  const seen: unknown[][] = [];
  let marker: string | undefined;
  do {
    const out = await engine.execute(operation, { ...input, ...(marker ? { Marker: marker } : {}) }, ctx);
    seen.push(out[member] as unknown[]);
    marker = out.NextMarker as string | undefined;
    expect(out.Truncated).to.equal(marker !== undefined);
  } while (marker);
  return seen;
};

for (const kind of STORE_KINDS) {
  describe(`list operations page in the store (${kind} store)`, () => {
    it('ListKeys reads one page of the store per call, whatever the store holds', async () => {
      const { engine, lists } = engineWithListLog(kind);
      const ctx = engine.context('us-east-1');
      for (let i = 0; i < 60; i++) await engine.execute('CreateKey', {}, ctx);
      await engine.execute('CreateKey', {}, engine.context('eu-west-1'));
      lists.length = 0;
      const seen = await pages(engine, 'ListKeys', { Limit: 7 });
      expect(seen.map((p) => p.length)).to.deep.equal([7, 7, 7, 7, 7, 7, 7, 7, 4]);
      expect(new Set(seen.flat().map((k) => (k as { KeyId: string }).KeyId)).size).to.equal(60);
      // Each call asked the store for one page (Limit, plus nothing else) and got at most that many.
      expect(lists.every((l) => l.query.limit === 7 && l.returned <= 7)).to.equal(true);
      expect(lists).to.have.length(9);
      engine.close();
    });

    it('refuses a forged, altered or foreign marker with InvalidMarkerException', async () => {
      const { engine } = engineWithListLog(kind);
      const ctx = engine.context('us-east-1');
      const key = await engine.execute('CreateKey', {}, ctx);
      const keyId = (key.KeyMetadata as { KeyId: string }).KeyId;
      for (let i = 0; i < 3; i++) {
        await engine.execute('CreateKey', {}, ctx);
        await engine.execute('CreateAlias', { AliasName: `alias/a${i}`, TargetKeyId: keyId }, ctx);
      }
      const first = await engine.execute('ListKeys', { Limit: 1 }, ctx);
      const marker = first.NextMarker as string;
      const aliasMarker = (await engine.execute('ListAliases', { Limit: 1 }, ctx)).NextMarker as string;
      const [name, mac] = marker.split('.') as [string, string];
      const forged = [
        Buffer.from('offset:1', 'utf8').toString('base64url'), // the old offset marker
        `${Buffer.from('arn:aws:kms:us-east-1:111122223333:key/', 'utf8').toString('base64url')}.${mac}`,
        // The MAC with its first character changed (all six of its bits count; the last
        // character's low bits may be base64 padding, which decoding ignores).
        `${name}.${mac[0] === 'A' ? 'B' : 'A'}${mac.slice(1)}`,
        `${name}.${mac}.x`,
      ];
      for (const bad of forged) {
        const err = await rejection(engine.execute('ListKeys', { Marker: bad }, ctx));
        expect(err.name, bad).to.equal('InvalidMarkerException');
        expect(err.message).to.contain('NextMarker of the previous response');
      }
      // A marker resumes only the listing that issued it.
      expect((await rejection(engine.execute('ListAliases', { Marker: marker }, ctx))).name).to.equal(
        'InvalidMarkerException',
      );
      expect(
        (await rejection(engine.execute('ListKeys', { Marker: marker }, engine.context('eu-west-1')))).name,
      ).to.equal('InvalidMarkerException');
      expect(
        (await rejection(engine.execute('ListAliases', { KeyId: keyId, Marker: aliasMarker }, ctx))).name,
      ).to.equal('InvalidMarkerException');
      // The genuine ones still work.
      expect((await engine.execute('ListKeys', { Marker: marker }, ctx)).Keys).to.have.length(3);
      expect((await engine.execute('ListAliases', { Marker: aliasMarker }, ctx)).Aliases).to.have.length(2);
      engine.close();
    });

    it('ListAliases with KeyId, ListGrants and ListRetirableGrants page by their key or principal term', async () => {
      const { engine, lists } = engineWithListLog(kind);
      const ctx = engine.context('us-east-1');
      const retiring = 'arn:aws:iam::111122223333:role/retirer';
      const grantee = 'arn:aws:iam::111122223333:role/user';
      const keyIds: string[] = [];
      for (let k = 0; k < 3; k++) {
        const made = await engine.execute('CreateKey', {}, ctx);
        const keyId = (made.KeyMetadata as { KeyId: string }).KeyId;
        keyIds.push(keyId);
        for (let i = 0; i < 4; i++) {
          await engine.execute('CreateAlias', { AliasName: `alias/k${k}-${i}`, TargetKeyId: keyId }, ctx);
          await engine.execute(
            'CreateGrant',
            {
              KeyId: keyId,
              GranteePrincipal: grantee,
              Operations: ['Decrypt'],
              ...(i % 2 === 0 ? { RetiringPrincipal: retiring } : {}),
            },
            ctx,
          );
        }
      }
      // A grant in another Region with the same retiring principal is not listed in this one.
      const other = await engine.execute('CreateKey', {}, engine.context('eu-west-1'));
      await engine.execute(
        'CreateGrant',
        {
          KeyId: (other.KeyMetadata as { KeyId: string }).KeyId,
          GranteePrincipal: grantee,
          RetiringPrincipal: retiring,
          Operations: ['Decrypt'],
        },
        engine.context('eu-west-1'),
      );
      lists.length = 0;
      const aliases = await pages(
        engine,
        'ListAliases',
        { KeyId: keyIds[1], Limit: 3 },
        'us-east-1',
        'Aliases',
      );
      expect(aliases.flat().map((a) => (a as { AliasName: string }).AliasName)).to.deep.equal([
        'alias/k1-0',
        'alias/k1-1',
        'alias/k1-2',
        'alias/k1-3',
      ]);
      const grants = await pages(engine, 'ListGrants', { KeyId: keyIds[2], Limit: 3 }, 'us-east-1', 'Grants');
      expect(grants.flat()).to.have.length(4);
      const retirable = await pages(
        engine,
        'ListRetirableGrants',
        { RetiringPrincipal: retiring, Limit: 4 },
        'us-east-1',
        'Grants',
      );
      expect(retirable.map((p) => p.length)).to.deep.equal([4, 2]);
      expect(lists.every((l) => l.returned <= 4 && l.query.term !== undefined)).to.equal(true);
      engine.close();
    });

    it('purging a deleted key removes its own aliases and grants without listing the others', async () => {
      let now = Date.UTC(2026, 0, 1);
      const { engine, lists } = engineWithListLog(kind, () => new Date(now));
      const ctx = engine.context('us-east-1');
      const ids: string[] = [];
      for (let k = 0; k < 2; k++) {
        const keyId = ((await engine.execute('CreateKey', {}, ctx)).KeyMetadata as { KeyId: string }).KeyId;
        ids.push(keyId);
        for (let i = 0; i < 3; i++) {
          await engine.execute('CreateAlias', { AliasName: `alias/p${k}-${i}`, TargetKeyId: keyId }, ctx);
        }
        await engine.execute(
          'CreateGrant',
          { KeyId: keyId, GranteePrincipal: 'arn:aws:iam::111122223333:role/u', Operations: ['Decrypt'] },
          ctx,
        );
      }
      await engine.execute('ScheduleKeyDeletion', { KeyId: ids[0], PendingWindowInDays: 7 }, ctx);
      now += 8 * 86_400_000;
      lists.length = 0;
      expect((await rejection(engine.execute('DescribeKey', { KeyId: ids[0] }, ctx))).name).to.equal(
        'NotFoundException',
      );
      const arn = `arn:aws:kms:us-east-1:111122223333:key/${ids[0]}`;
      const purgeLists = lists.filter((l) => l.kind !== 'aws.key');
      expect(purgeLists.length).to.be.greaterThan(0);
      expect(purgeLists.every((l) => l.query.term === `key:${arn}`)).to.equal(true);
      const left = await engine.execute('ListAliases', {}, ctx);
      expect((left.Aliases as { AliasName: string }[]).map((a) => a.AliasName)).to.deep.equal([
        'alias/p1-0',
        'alias/p1-1',
        'alias/p1-2',
      ]);
      expect(((await engine.execute('ListKeys', {}, ctx)).Keys as unknown[]).length).to.equal(1);
      engine.close();
    });
  });
}
