import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import { KmsEngine, MemoryResourceStore } from '../src/index.js';

/** Microtask turns that pass before `start()`'s promise settles (counted by a self-requeueing task). */
async function turnsUntilSettled(start: () => Promise<unknown>): Promise<number> {
  let turns = 0;
  let settled = false;
  const tick = () => {
    if (settled) return;
    turns++;
    queueMicrotask(tick);
  };
  queueMicrotask(tick);
  await start().then(
    () => (settled = true),
    () => (settled = true),
  );
  return turns;
}

describe('HSM core: promise turns per call', () => {
  it('settles an in-memory call, success or failure, in two microtask turns (three with an observer)', async () => {
    const engine = new KmsEngine({ store: new MemoryResourceStore(), rootKey: randomBytes(32) });
    try {
      const ctx = engine.context('us-east-1');
      const { KeyMetadata } = (await engine.execute('CreateKey', {}, ctx)) as {
        KeyMetadata: { KeyId: string };
      };
      const gdk = () =>
        engine.execute('GenerateDataKey', { KeyId: KeyMetadata.KeyId, NumberOfBytes: 32 }, ctx);
      const missing = () => engine.execute('DescribeKey', { KeyId: 'alias/none' }, ctx);
      const bare = [await turnsUntilSettled(gdk), await turnsUntilSettled(missing)];
      const stop = engine.core.observeCalls(() => {});
      const observed = [await turnsUntilSettled(gdk), await turnsUntilSettled(missing)];
      // One turn for the answer on the (already durable) commit, one for the caller's own reaction;
      // the observers' `then` adds one. Awaiting Promise.all of the commits in an async function cost
      // one more turn each way.
      expect(bare).to.deep.equal([2, 2]);
      expect(observed).to.deep.equal([3, 3]);
      stop();
    } finally {
      engine.close();
    }
  });
});
