import { GenerateRandomCommand } from '@aws-sdk/client-kms';
import { DEFAULT_AUDIT_RETENTION, DEFAULT_MEMORY_AUDIT_RETENTION } from '@envelope/kms-server';
import { expect } from 'chai';
import { Fixture } from './helpers.js';

describe('server audit retention', () => {
  const fx = new Fixture();
  afterEach(() => fx.dispose());

  it('keeps only the newest events the auditRetention option allows, on the durable store', async () => {
    const server = await fx.server({ dataDir: fx.dir(), auditRetention: { maxEvents: 2 } });
    const kms = fx.client(server.url);
    for (const n of [1, 2, 3, 4]) await kms.send(new GenerateRandomCommand({ NumberOfBytes: n }));
    const kept = server.engine.auditLog().map((e) => e.requestParameters.numberOfBytes);
    expect(kept).to.deep.equal([3, 4]);
  });
});

describe('server memory bound', () => {
  const fx = new Fixture();
  afterEach(() => fx.dispose());

  it('bounds the in-memory audit log by default, since it lives in memory', async () => {
    const server = await fx.server({ inMemory: true });
    expect(server.engine.core.auditRetention).to.deep.equal(DEFAULT_MEMORY_AUDIT_RETENTION);
    expect(DEFAULT_MEMORY_AUDIT_RETENTION.maxEvents).to.be.at.most(100_000);
  });

  it('keeps the durable default on disk', async () => {
    const server = await fx.server({ dataDir: fx.dir() });
    expect(server.engine.core.auditRetention).to.deep.equal(DEFAULT_AUDIT_RETENTION);
  });
});
