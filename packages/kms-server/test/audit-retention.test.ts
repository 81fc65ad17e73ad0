import { GenerateRandomCommand } from '@aws-sdk/client-kms';
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
