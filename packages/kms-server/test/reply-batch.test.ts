import type { ServerResponse } from 'node:http';
import type { ProtocolReply } from '@envelope/kms-protocols/endpoint';
import { expect } from 'chai';
import { ReplyBatch } from '../src/http/reply-batch.js';

const reply = (status: number): ProtocolReply => ({ status, headers: {}, body: Buffer.from(String(status)) });
const response = (name: string) => ({ name }) as unknown as ServerResponse;
const nameOf = (res: ServerResponse) => (res as unknown as { name: string }).name;
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('reply batch', () => {
  it('writes the replies ready in one event-loop turn together, after the turn, in order', async () => {
    const written: string[] = [];
    const batch = new ReplyBatch((res, r) => written.push(`${nameOf(res)}:${r.status}`));
    const first = batch.send(response('a'), reply(200), batch.open());
    await Promise.resolve(); // the rest of this turn runs first: nothing is written yet
    const second = batch.send(response('b'), reply(400), batch.open());
    expect(written).to.deep.equal([]);
    await Promise.all([first, second]);
    expect(written).to.deep.equal(['a:200', 'b:400']);

    // A later turn has its own batch.
    const third = batch.send(response('c'), reply(200), batch.open());
    expect(written).to.have.length(2);
    await third;
    expect(written).to.deep.equal(['a:200', 'b:400', 'c:200']);
  });

  it('writes at once a reply ready only after its turn was flushed (a SQLite commit group)', async () => {
    const written: string[] = [];
    const batch = new ReplyBatch((res) => written.push(nameOf(res)));
    const turn = batch.open();
    await nextTurn();
    expect(batch.send(response('late'), reply(200), turn)).to.equal(undefined);
    expect(written).to.deep.equal(['late']);
  });

  it('rejects the send whose write throws and still writes the rest of the batch', async () => {
    const written: number[] = [];
    const batch = new ReplyBatch((_res, r) => {
      if (r.status === 500) throw new TypeError('bad header');
      written.push(r.status);
    });
    const turn = batch.open();
    const results = await Promise.allSettled([
      batch.send(response('a'), reply(500), turn),
      batch.send(response('b'), reply(200), turn),
    ]);
    expect(results.map((r) => r.status)).to.deep.equal(['rejected', 'fulfilled']);
    expect(((results[0] as PromiseRejectedResult).reason as Error).message).to.equal('bad header');
    expect(written).to.deep.equal([200]);
  });
});
