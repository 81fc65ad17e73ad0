import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import {
  type CallOutcome,
  HsmCore,
  KmsEngine,
  LocationUnavailableError,
  MemoryResourceStore,
} from '../src/index.js';

describe('HSM core call observer: one outcome per call, for the request log and the metrics alike', () => {
  it('reports service, place, operation, request id, key, code, HTTP status and time of every call', async () => {
    const engine = new KmsEngine({ store: new MemoryResourceStore(), rootKey: randomBytes(32) });
    const seen: CallOutcome[] = [];
    const stop = engine.core.observeCalls((outcome) => seen.push(outcome));
    try {
      const ctx = engine.context('eu-west-1');
      const { KeyMetadata } = (await engine.execute('CreateKey', {}, { ...ctx, requestId: 'r-create' })) as {
        KeyMetadata: { Arn: string; KeyId: string };
      };
      await engine.execute(
        'Encrypt',
        { KeyId: KeyMetadata.KeyId, Plaintext: Buffer.from('x') },
        {
          ...ctx,
          requestId: 'r-encrypt',
        },
      );
      const missing = 'arn:aws:kms:eu-west-1:111122223333:key/00000000-0000-4000-8000-000000000000';
      await engine.execute('Encrypt', { KeyId: missing, Plaintext: Buffer.from('x') }, ctx).catch(() => {});
      engine.faults.regionDown('eu-west-1');
      const down = await engine.execute('DescribeKey', { KeyId: KeyMetadata.KeyId }, ctx).catch((e) => e);
      expect(down).to.be.instanceOf(LocationUnavailableError);

      expect(seen.map(({ seconds, requestId, ...rest }) => rest)).to.deep.equal([
        {
          service: 'aws',
          location: 'eu-west-1',
          operation: 'CreateKey',
          resource: KeyMetadata.Arn,
          code: 'OK',
          httpStatus: 200,
        },
        {
          service: 'aws',
          location: 'eu-west-1',
          operation: 'Encrypt',
          resource: KeyMetadata.Arn,
          code: 'OK',
          httpStatus: 200,
        },
        {
          service: 'aws',
          location: 'eu-west-1',
          operation: 'Encrypt',
          resource: missing,
          code: 'NotFoundException',
          httpStatus: 400,
        },
      ]);
      expect(seen.slice(0, 2).map((o) => o.requestId)).to.deep.equal(['r-create', 'r-encrypt']);
      expect(seen[2]!.requestId).to.match(/^[0-9a-f-]{36}$/);
      for (const outcome of seen) expect(outcome.seconds).to.be.a('number').and.at.least(0);
    } finally {
      stop();
      engine.close();
    }
  });

  it('keeps a call’s outcome when an observer throws, and stops telling an observer once stopped', async () => {
    const engine = new KmsEngine({ store: new MemoryResourceStore(), rootKey: randomBytes(32) });
    const seen: string[] = [];
    const stopBroken = engine.core.observeCalls(() => {
      throw new Error('observer bug');
    });
    const stop = engine.core.observeCalls((o) => seen.push(o.operation));
    try {
      const ctx = engine.context('us-east-1');
      await engine.execute('CreateKey', {}, ctx);
      stop();
      await engine.execute('ListKeys', {}, ctx);
      expect(seen).to.deep.equal(['CreateKey']);
    } finally {
      stopBroken();
      engine.close();
    }
  });

  it('never reports OK for a call that threw without a shaped failure (its fail hook threw)', async () => {
    const core = new HsmCore({ store: new MemoryResourceStore(), rootKey: randomBytes(32) });
    const seen: CallOutcome[] = [];
    core.observeCalls((outcome) => seen.push(outcome));
    try {
      const thrown = await core
        .call(
          { service: 'test', location: 'here', operation: 'Broken', principal: 'p' },
          {
            run: () => {
              throw new Error('operation failed');
            },
            fail: () => {
              throw new Error('fail hook bug');
            },
          },
        )
        .then(
          () => undefined,
          (error: unknown) => error,
        );
      expect(thrown).to.be.instanceOf(Error);
      expect(seen).to.have.length(1);
      expect(seen[0]).to.include({ operation: 'Broken', code: 'InternalFailure', httpStatus: 500 });
    } finally {
      core.close();
    }
  });
});
