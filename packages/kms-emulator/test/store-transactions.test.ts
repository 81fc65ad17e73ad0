import { randomBytes } from 'node:crypto';
import { CreateAliasCommand, CreateKeyCommand, DescribeKeyCommand } from '@aws-sdk/client-kms';
import { expect } from 'chai';
import { AwsResources } from '../src/aws/aws-resources.js';
import {
  type CoreAuditRecord,
  KmsEngine,
  MemoryResourceStore,
  type ResourceStore,
  SqliteResourceStore,
} from '../src/index.js';
import { harness, rejection, STORE_KINDS, type StoreKind } from './helpers.js';

const newStore = (kind: StoreKind): ResourceStore =>
  kind === 'memory' ? new MemoryResourceStore() : new SqliteResourceStore(':memory:');

const key = (arn: string) => ({
  arn,
  keyId: arn.split('/')[1]!,
  accountId: '111122223333',
  region: 'us-east-1',
  creationDate: 1,
  description: '',
  keyUsage: 'ENCRYPT_DECRYPT' as const,
  keySpec: 'SYMMETRIC_DEFAULT' as const,
  keyState: 'Enabled' as const,
  multiRegion: false,
  policy: '{}',
  tags: [],
  rotation: { enabled: false },
  versions: [],
});

const event = (n: number, time = new Date(Date.UTC(2026, 0, 1, 0, 0, n))): CoreAuditRecord => ({
  id: `e${n}`,
  time: time.toISOString(),
  service: 'aws',
  location: 'us-east-1',
  operation: `Op${n}`,
  requestId: `r${n}`,
  principal: 'arn:aws:iam::111122223333:root',
  resources: [],
  parameters: {},
});

const A = 'arn:aws:kms:us-east-1:111122223333:key/a';
const B = 'arn:aws:kms:us-east-1:111122223333:key/b';
const names = (store: ResourceStore) => store.queryAudit({}).map((e) => e.operation);

for (const kind of STORE_KINDS) {
  describe(`store transactions (${kind} store)`, () => {
    it('a transaction that throws leaves no trace of its writes', () => {
      const store = newStore(kind);
      const aws = new AwsResources(store);
      aws.putKey({ ...key(A), description: 'before' });
      store.appendAudit(event(1));
      expect(() =>
        store.transaction(() => {
          aws.putKey({ ...key(A), description: 'changed' });
          aws.putKey(key(B));
          aws.putAlias({
            aliasName: 'alias/x',
            aliasArn: 'arn:aws:kms:us-east-1:111122223333:alias/x',
            accountId: '111122223333',
            region: 'us-east-1',
            targetKeyId: 'b',
            creationDate: 1,
            lastUpdatedDate: 1,
          });
          store.appendAudit(event(2));
          store.pruneAudit({ maxEvents: 1 });
          throw new Error('fail after writing');
        }),
      ).to.throw('fail after writing');
      expect(aws.getKey(A)!.description).to.equal('before');
      expect(aws.getKey(B)).to.equal(undefined);
      expect(aws.getAlias('111122223333', 'us-east-1', 'alias/x')).to.equal(undefined);
      expect(names(store)).to.deep.equal(['Op1']);
      store.close();
    });

    it('a nested transaction that throws undoes only its own writes', () => {
      const store = newStore(kind);
      const aws = new AwsResources(store);
      store.transaction(() => {
        aws.putKey(key(A));
        expect(() =>
          store.transaction(() => {
            aws.deleteKey(A);
            aws.putKey(key(B));
            throw new Error('inner');
          }),
        ).to.throw('inner');
      });
      expect(aws.getKey(A)).to.not.equal(undefined);
      expect(aws.getKey(B)).to.equal(undefined);
      store.close();
    });

    it('keeps the audit log in order after rolling back a prune', () => {
      const store = newStore(kind);
      for (let n = 1; n <= 4; n++) store.appendAudit(event(n));
      expect(() =>
        store.transaction(() => {
          store.pruneAudit({ maxEvents: 1 });
          throw new Error('undo');
        }),
      ).to.throw('undo');
      store.appendAudit(event(5));
      expect(names(store)).to.deep.equal(['Op1', 'Op2', 'Op3', 'Op4', 'Op5']);
      store.close();
    });

    it('prunes the audit log by count and by age, oldest first', () => {
      const store = newStore(kind);
      for (let n = 1; n <= 6; n++) store.appendAudit(event(n));
      store.pruneAudit({ maxEvents: 4 });
      expect(names(store)).to.deep.equal(['Op3', 'Op4', 'Op5', 'Op6']);
      store.pruneAudit({ before: new Date(Date.UTC(2026, 0, 1, 0, 0, 5)) });
      expect(names(store)).to.deep.equal(['Op5', 'Op6']);
      store.close();
    });
  });

  describe(`audit and writes commit together (${kind} store)`, () => {
    it('a call whose audit event cannot be written fails with a 500 and changes nothing', async () => {
      const store = newStore(kind);
      let failAudit = false;
      const flaky: ResourceStore = new Proxy(store, {
        get(target, prop, receiver) {
          const value = Reflect.get(target, prop, receiver);
          if (prop === 'appendAudit') {
            return (e: CoreAuditRecord) => {
              if (failAudit) throw new Error('audit device full');
              target.appendAudit(e);
            };
          }
          return typeof value === 'function' ? value.bind(target) : value;
        },
      });
      const engine = new KmsEngine({ store: flaky, rootKey: randomBytes(32) });
      const ctx = engine.context('us-east-1');
      try {
        const made = await engine.execute('CreateKey', {}, ctx);
        const keyId = (made.KeyMetadata as { KeyId: string }).KeyId;
        failAudit = true;
        const err = await rejection(engine.execute('CreateKey', { Description: 'lost?' }, ctx));
        expect(err.name).to.equal('KMSInternalException');
        const alias = await rejection(
          engine.execute('CreateAlias', { AliasName: 'alias/unaudited', TargetKeyId: keyId }, ctx),
        );
        expect(alias.name).to.equal('KMSInternalException');
        failAudit = false;
        const aws = new AwsResources(store);
        expect(aws.listKeys('us-east-1', engine.defaultAccountId, undefined, 100).records).to.have.length(1);
        expect(aws.getAlias(engine.defaultAccountId, 'us-east-1', 'alias/unaudited')).to.equal(undefined);
        expect(engine.auditLog().map((e) => e.eventName)).to.deep.equal(['CreateKey']);
      } finally {
        engine.close();
      }
    });

    it('a failed call is audited and leaves no partial write', async () => {
      const h = harness(kind);
      const kms = h.client();
      try {
        const keyId = (await kms.send(new CreateKeyCommand({}))).KeyMetadata!.KeyId!;
        await kms.send(new CreateAliasCommand({ AliasName: 'alias/taken', TargetKeyId: keyId }));
        const err = await rejection(
          kms.send(new CreateAliasCommand({ AliasName: 'alias/taken', TargetKeyId: keyId })),
        );
        expect(err.name).to.equal('AlreadyExistsException');
        const described = await kms.send(new DescribeKeyCommand({ KeyId: 'alias/taken' }));
        expect(described.KeyMetadata!.KeyId).to.equal(keyId);
        expect(h.engine.auditLog().map((e) => [e.eventName, e.errorCode ?? 'ok'])).to.deep.equal([
          ['CreateKey', 'ok'],
          ['CreateAlias', 'ok'],
          ['CreateAlias', 'AlreadyExistsException'],
          ['DescribeKey', 'ok'],
        ]);
      } finally {
        h.dispose();
      }
    });
  });

  describe(`audit retention (${kind} store)`, () => {
    it('keeps at most maxEvents of the newest events', async () => {
      const engine = new KmsEngine({
        store: newStore(kind),
        rootKey: randomBytes(32),
        auditRetention: { maxEvents: 3 },
      });
      try {
        const ctx = engine.context('us-east-1');
        for (let i = 1; i <= 6; i++) await engine.execute('GenerateRandom', { NumberOfBytes: i }, ctx);
        const events = engine.auditLog();
        expect(events.map((e) => e.requestParameters.numberOfBytes)).to.deep.equal([4, 5, 6]);
      } finally {
        engine.close();
      }
    });

    it('drops events older than maxAgeDays', async () => {
      let now = Date.UTC(2026, 0, 1);
      const engine = new KmsEngine({
        store: newStore(kind),
        rootKey: randomBytes(32),
        clock: () => new Date(now),
        auditRetention: { maxAgeDays: 7 },
      });
      try {
        const ctx = engine.context('us-east-1');
        await engine.execute('GenerateRandom', { NumberOfBytes: 1 }, ctx);
        now += 6 * 86_400_000;
        await engine.execute('GenerateRandom', { NumberOfBytes: 2 }, ctx);
        now += 2 * 86_400_000;
        await engine.execute('GenerateRandom', { NumberOfBytes: 3 }, ctx);
        expect(engine.auditLog().map((e) => e.requestParameters.numberOfBytes)).to.deep.equal([2, 3]);
      } finally {
        engine.close();
      }
    });

    it('refuses a retention that is not a positive integer', () => {
      for (const auditRetention of [{ maxEvents: 0 }, { maxAgeDays: 1.5 }, { maxEvents: -1 }]) {
        expect(
          () => new KmsEngine({ store: new MemoryResourceStore(), rootKey: randomBytes(32), auditRetention }),
        ).to.throw(/auditRetention\.\w+ must be a positive integer/);
      }
    });
  });
}
