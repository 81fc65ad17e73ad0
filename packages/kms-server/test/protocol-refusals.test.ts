import { expect } from 'chai';
import { Fixture } from './helpers.js';

/** The server's own refusals are AWS-shaped like the engine's: `__type` in the body and the header. */
describe('server refusals', () => {
  const fx = new Fixture();
  afterEach(() => fx.dispose());

  const post = (url: string, target: string, body: string) =>
    fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': target },
      body,
    });

  it('name the exception in x-amzn-errortype for an unknown target and an oversized body', async () => {
    const server = await fx.server();
    for (const [target, body, status, type] of [
      ['Other.Encrypt', '{}', 400, 'UnknownOperationException'],
      ['TrentService.Encrypt', `{"KeyId":"${'x'.repeat(1024 * 1024)}"}`, 413, 'ValidationException'],
      ['TrentService.Encrypt', '{"KeyId":', 400, 'SerializationException'],
    ] as const) {
      const res = await post(server.url, target, body);
      expect(res.status, target).to.equal(status);
      expect(res.headers.get('x-amzn-errortype'), target).to.equal(type);
      expect(((await res.json()) as { __type: string }).__type).to.equal(type);
    }
  });
});
