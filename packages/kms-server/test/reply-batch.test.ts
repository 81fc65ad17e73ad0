import type { ServerResponse } from 'node:http';
import type { ProtocolReply } from '@envelope/kms-protocols/endpoint';
import { expect } from 'chai';
import { ReplyBatch } from '../src/http/reply-batch.js';

const reply = (status: number): ProtocolReply => ({ status, headers: {}, body: Buffer.from(String(status)) });
const response = (name: string) => ({ name }) as unknown as ServerResponse;
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('reply batch', () => {
  it('writes the replies of one event-loop turn together, after the turn, in order', async () => {
    const written: string[] = [];
    const batch = new ReplyBatch((res, r) =>
      written.push(`${(res as unknown as { name: string }).name}:${r.status}`),
    );
    const first = batch.send(response('a'), reply(200));
    await Promise.resolve(); // microtasks of this turn run first: nothing is written yet
    const second = batch.send(response('b'), reply(400));
    expect(written).to.deep.equal([]);
    await Promise.all([first, second]);
    expect(written).to.deep.equal(['a:200', 'b:400']);

    // A later turn starts a new batch.
    await nextTurn();
    await batch.send(response('c'), reply(200));
    expect(written).to.deep.equal(['a:200', 'b:400', 'c:200']);
  });

  it('rejects the send whose write throws and still writes the rest of the batch', async () => {
    const written: number[] = [];
    const batch = new ReplyBatch((_res, r) => {
      if (r.status === 500) throw new TypeError('bad header');
      written.push(r.status);
    });
    const results = await Promise.allSettled([
      batch.send(response('a'), reply(500)),
      batch.send(response('b'), reply(200)),
    ]);
    expect(results.map((r) => r.status)).to.deep.equal(['rejected', 'fulfilled']);
    expect(((results[0] as PromiseRejectedResult).reason as Error).message).to.equal('bad header');
    expect(written).to.deep.equal([200]);
  });
});
