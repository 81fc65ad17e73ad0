import { randomBytes } from 'node:crypto';
import {
  AwsResources,
  KmsEngine,
  KmsError,
  MemoryResourceStore,
  type ResourceStore,
  SqliteResourceStore,
} from '@envelope/kms-emulator';
import { expect } from 'chai';
import { type AwsJsonHttpResponse, decodeRequestBody, dispatchAwsJson } from '../src/index.js';

type StoreKind = 'memory' | 'sqlite';
const STORE_KINDS: readonly StoreKind[] = ['memory', 'sqlite'];

const nested = (levels: number): string => `${'['.repeat(levels)}${']'.repeat(levels)}`;

function engineOn(kind: StoreKind): { engine: KmsEngine; store: ResourceStore } {
  const store = kind === 'memory' ? new MemoryResourceStore() : new SqliteResourceStore(':memory:');
  return { engine: new KmsEngine({ store, rootKey: randomBytes(32) }), store };
}

async function call(engine: KmsEngine, operation: string, body: string): Promise<AwsJsonHttpResponse> {
  return dispatchAwsJson(engine, {
    headers: { 'x-amz-target': `TrentService.${operation}`, 'content-type': 'application/x-amz-json-1.1' },
    body,
  });
}

const errorType = (res: AwsJsonHttpResponse): string => JSON.parse(res.body.toString()).__type;

describe('request bodies', () => {
  it('are parsed into objects without prototypes', () => {
    const input = decodeRequestBody('{"__proto__":{"KeyId":"k"},"Nested":{"__proto__":{"x":1}}}');
    expect(Object.getPrototypeOf(input)).to.equal(null);
    expect(Object.keys(input)).to.deep.equal(['__proto__', 'Nested']);
    expect((input as { KeyId?: unknown }).KeyId).to.equal(undefined);
    expect(Object.getPrototypeOf(input.Nested)).to.equal(null);
  });

  it('have no prototype at any depth, the __proto__ member and objects inside lists included', () => {
    type Tree = { [member: string]: Tree } & Tree[];
    const input = decodeRequestBody('{"__proto__":{"a":{"b":1}},"List":[{"c":2},[{"d":3}],"e"]}') as Tree;
    const own = Object.getOwnPropertyDescriptor(input, '__proto__')!.value as Tree;
    for (const object of [own, own.a, input.List![0], input.List![1]![0]]) {
      expect(Object.getPrototypeOf(object)).to.equal(null);
    }
    expect(Array.isArray(input.List) && Array.isArray(input.List[1])).to.equal(true);
    expect(JSON.stringify(input.List)).to.equal('[{"c":2},[{"d":3}],"e"]');
  });

  it('refuse nesting past 32 levels and bodies over 1 MiB with SerializationException', () => {
    expect(() => decodeRequestBody(`{"A":${nested(31)}}`)).not.to.throw();
    for (const body of [
      `{"A":${nested(32)}}`,
      `{"A":${nested(20_000)}}`,
      Buffer.from(`{"A":"${'x'.repeat(1024 * 1024)}"}`),
    ]) {
      expect(() => decodeRequestBody(body))
        .to.throw(KmsError)
        .with.property('exceptionName', 'SerializationException');
    }
  });

  it('count brackets inside strings as text, not nesting', () => {
    const input = decodeRequestBody(JSON.stringify({ Description: `"\\${'['.repeat(100)}` }));
    expect(input.Description).to.equal(`"\\${'['.repeat(100)}`);
  });
});

for (const kind of STORE_KINDS) {
  describe(`hostile request bodies (${kind} store)`, () => {
    it('a deeply nested extra member is refused before anything is written, and the server keeps serving', async () => {
      const { engine, store } = engineOn(kind);
      try {
        const res = await call(engine, 'CreateKey', `{"Description":"d","Junk":${nested(20_000)}}`);
        expect(res.statusCode).to.equal(400);
        expect(errorType(res)).to.equal('SerializationException');
        expect(
          new AwsResources(store).listKeys('us-east-1', engine.defaultAccountId, undefined, 100).records,
        ).to.deep.equal([]);
        const ok = await call(engine, 'CreateKey', '{}');
        expect(ok.statusCode).to.equal(200);
      } finally {
        engine.close();
      }
    });

    it('a deeply nested extra member given to the engine directly is dropped: the call commits with its audit row', async () => {
      const { engine, store } = engineOn(kind);
      try {
        let junk: unknown = 'bottom';
        for (let i = 0; i < 20_000; i++) junk = [junk];
        const out = await engine.execute(
          'CreateKey',
          { Description: 'direct', Junk: junk },
          engine.context('us-east-1'),
        );
        const keyId = (out.KeyMetadata as { KeyId: string }).KeyId;
        expect(
          new AwsResources(store).listKeys('us-east-1', engine.defaultAccountId, undefined, 100).records,
        ).to.have.length(1);
        const [event] = engine.auditLog({ keyId });
        expect(event!.eventName).to.equal('CreateKey');
        expect(event!.requestParameters).to.deep.equal({ description: 'direct' });
      } finally {
        engine.close();
      }
    });

    it('a __proto__ member is not a request: PutKeyPolicy through it changes nothing and is audited as refused', async () => {
      const { engine } = engineOn(kind);
      try {
        const created = JSON.parse((await call(engine, 'CreateKey', '{}')).body.toString());
        const keyId: string = created.KeyMetadata.KeyId;
        const before = JSON.parse(
          (await call(engine, 'GetKeyPolicy', JSON.stringify({ KeyId: keyId }))).body.toString(),
        ).Policy;
        const policy = JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Principal: '*', Action: 'kms:*', Resource: '*' }],
        });
        const res = await call(
          engine,
          'PutKeyPolicy',
          `{"__proto__":${JSON.stringify({ KeyId: keyId, Policy: policy, PolicyName: 'default' })}}`,
        );
        expect(res.statusCode).to.equal(400);
        expect(errorType(res)).to.equal('ValidationException');
        const after = JSON.parse(
          (await call(engine, 'GetKeyPolicy', JSON.stringify({ KeyId: keyId }))).body.toString(),
        ).Policy;
        expect(after).to.equal(before);
        const put = engine.auditLog().filter((e) => e.eventName === 'PutKeyPolicy');
        expect(put).to.have.length(1);
        expect(put[0]!.errorCode).to.equal('ValidationException');
      } finally {
        engine.close();
      }
    });

    it('drops members the operation does not define, so they are never audited or stored', async () => {
      const { engine, store } = engineOn(kind);
      try {
        const junk = 'j'.repeat(400 * 1024);
        for (let i = 0; i < 5; i++) {
          const res = await call(
            engine,
            'CreateKey',
            JSON.stringify({
              Description: 'kept',
              Junk: junk,
              Tags: [{ TagKey: 't', TagValue: 'v', Extra: junk }],
            }),
          );
          expect(res.statusCode).to.equal(200);
        }
        const events = JSON.stringify(engine.auditLog());
        expect(events.length).to.be.lessThan(10_000);
        expect(events).not.to.contain('jjjj');
        const keys = JSON.stringify(
          new AwsResources(store).listKeys('us-east-1', engine.defaultAccountId, undefined, 100).records,
        );
        expect(keys).not.to.contain('jjjj');
        expect(engine.auditLog()[0]!.requestParameters).to.deep.equal({
          description: 'kept',
          tags: [{ TagKey: 't', TagValue: 'v' }],
        });
      } finally {
        engine.close();
      }
    });

    it('answers a member of the wrong JSON type with SerializationException', async () => {
      const { engine } = engineOn(kind);
      try {
        for (const body of ['{"Description":{"a":1}}', '{"MultiRegion":"yes"}', '{"Tags":{"TagKey":"x"}}']) {
          const res = await call(engine, 'CreateKey', body);
          expect(res.statusCode, body).to.equal(400);
          expect(errorType(res), body).to.equal('SerializationException');
        }
      } finally {
        engine.close();
      }
    });
  });
}
