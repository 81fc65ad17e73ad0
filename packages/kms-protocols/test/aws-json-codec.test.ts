import { randomBytes } from 'node:crypto';
import { KmsEngine, KmsError, MemoryResourceStore } from '@envelope/kms-emulator';
import { expect } from 'chai';
import { awsCaller } from '../src/aws-json/caller.js';
import {
  accessKeyIdFromRequest,
  decodeRequestBody,
  dispatchAwsJson,
  encodeError,
  encodeResponseBody,
  operationFromTarget,
  regionFromRequest,
} from '../src/index.js';

describe('AWS JSON 1.1 codec', () => {
  it('maps X-Amz-Target to the operation and rejects other targets', () => {
    expect(operationFromTarget('TrentService.GenerateDataKey')).to.equal('GenerateDataKey');
    for (const bad of [undefined, 'Other.Encrypt', 'TrentService.']) {
      expect(() => operationFromTarget(bad))
        .to.throw(KmsError)
        .with.property('exceptionName', 'UnknownOperationException');
    }
  });

  it('decodes blob members from base64 and leaves other members alone', () => {
    const input = decodeRequestBody('{"KeyId":"k","Plaintext":"aGk=","EncryptionContext":{"Plaintext":"x"}}');
    expect(Buffer.isBuffer(input.Plaintext)).to.equal(true);
    expect((input.Plaintext as Buffer).toString()).to.equal('hi');
    expect(input.EncryptionContext).to.deep.equal({ Plaintext: 'x' });
    expect(decodeRequestBody('')).to.deep.equal({});
  });

  it('rejects bad JSON and bad base64 with SerializationException', () => {
    for (const body of ['{', '[]', '{"Plaintext":"***"}']) {
      expect(() => decodeRequestBody(body))
        .to.throw(KmsError)
        .with.property('exceptionName', 'SerializationException');
    }
  });

  it('encodes blobs as base64 and dates as epoch seconds, recursively', () => {
    const body = JSON.parse(
      encodeResponseBody({
        CiphertextBlob: Buffer.from('hi'),
        KeyMetadata: { CreationDate: new Date(1_700_000_000_500) },
      }),
    );
    expect(body).to.deep.equal({ CiphertextBlob: 'aGk=', KeyMetadata: { CreationDate: 1_700_000_000.5 } });
  });

  it('encodes views, nested lists and a member named __proto__ as they are', () => {
    const bytes = Buffer.from('xxhixx');
    const context = JSON.parse('{"__proto__":"v","a":"b"}') as Record<string, string>;
    const text = encodeResponseBody({
      Blob: new Uint8Array(bytes.buffer, bytes.byteOffset + 2, 2),
      Grants: [{ Constraints: { EncryptionContextEquals: context }, Dates: [new Date(2000)] }],
      Missing: undefined,
      Empty: null,
    });
    expect(text).to.equal(
      '{"Blob":"aGk=","Grants":[{"Constraints":{"EncryptionContextEquals":{"__proto__":"v","a":"b"}},"Dates":[2]}],"Empty":null}',
    );
  });

  it('encodes errors as __type and message with AWS status codes', () => {
    const notFound = encodeError(new KmsError('NotFoundException', 'gone'));
    expect(notFound.statusCode).to.equal(400);
    expect(JSON.parse(notFound.body)).to.deep.equal({ __type: 'NotFoundException', message: 'gone' });
    const internal = encodeError(new Error('secret detail'));
    expect(internal.statusCode).to.equal(500);
    expect(internal.body).not.to.contain('secret detail');
  });

  it('reads the region from the SigV4 credential scope, then the Host', () => {
    const auth =
      'AWS4-HMAC-SHA256 Credential=AKID/20260101/eu-central-1/kms/aws4_request, SignedHeaders=host, Signature=00';
    expect(regionFromRequest({ Authorization: auth, host: 'kms.us-east-1.amazonaws.com' })).to.equal(
      'eu-central-1',
    );
    expect(regionFromRequest({ host: 'kms.ap-southeast-2.amazonaws.com' })).to.equal('ap-southeast-2');
    expect(regionFromRequest({ host: 'localhost:4566' })).to.equal(undefined);
  });

  it('reads the access key id from the first Credential= and the region from the first whole scope', () => {
    const cases: [Record<string, string>, string | undefined, string | undefined][] = [
      [
        {
          authorization:
            'AWS4-HMAC-SHA256 Credential=AKIDSDK/20260101/eu-west-3/kms/aws4_request, SignedHeaders=host, Signature=00',
        },
        'AKIDSDK',
        'eu-west-3',
      ],
      // The first Credential= holds no whole scope: the key id is still its, the region the later scope's.
      [
        {
          authorization: 'Credential=AKIDFIRST/x, Credential=AKIDLATER/20260101/sa-east-1/kms/aws4_request',
          host: 'kms.us-west-2.amazonaws.com',
        },
        'AKIDFIRST',
        'sa-east-1',
      ],
      // No whole scope at all: the key id alone, the region from the Host.
      [
        { authorization: 'Credential=AKIDONLY/20260101', host: 'kms-fips.ca-central-1.amazonaws.com' },
        'AKIDONLY',
        'ca-central-1',
      ],
      [{}, undefined, undefined],
    ];
    for (const [headers, accessKeyId, region] of cases) {
      expect([accessKeyIdFromRequest(headers), regionFromRequest(headers)]).to.deep.equal([
        accessKeyId,
        region,
      ]);
    }
  });

  it('acts as the principal mapped to the access key, in its account, else the default root', () => {
    const engine = new KmsEngine({ store: new MemoryResourceStore(), rootKey: randomBytes(32) });
    const principals = { AKIDMAPPED: 'arn:aws:iam::444455556666:user/mapped', AKIDODD: 'not-an-arn' };
    const headers = (key: string) => ({
      authorization: `AWS4-HMAC-SHA256 Credential=${key}/20260101/us-east-2/kms/aws4_request, Signature=00`,
    });
    const root = `arn:aws:iam::${engine.defaultAccountId}:root`;
    const expected: [string, string, string][] = [
      ['AKIDMAPPED', principals.AKIDMAPPED, '444455556666'],
      ['AKIDODD', 'not-an-arn', engine.defaultAccountId],
      ['AKIDOTHER', root, engine.defaultAccountId],
    ];
    // Twice each: the second answer comes from the account already read for that principal.
    for (const [key, principal, accountId] of [...expected, ...expected]) {
      const caller = awsCaller(engine, { headers: headers(key), body: Buffer.alloc(0) }, { principals });
      expect(caller).to.deep.equal({ region: 'us-east-2', principal, accountId });
    }
  });
  it('dispatches a raw request to the engine with a request id header', async () => {
    const engine = new KmsEngine({ store: new MemoryResourceStore(), rootKey: randomBytes(32) });
    const headers = {
      'x-amz-target': 'TrentService.GenerateRandom',
      'content-type': 'application/x-amz-json-1.1',
    };
    const ok = await dispatchAwsJson(engine, { headers, body: '{"NumberOfBytes":16}' });
    expect(ok.statusCode).to.equal(200);
    expect(ok.headers['x-amzn-requestid']).to.match(/^[0-9a-f-]{36}$/);
    expect(Buffer.from(JSON.parse(ok.body.toString()).Plaintext, 'base64')).to.have.length(16);
    const bad = await dispatchAwsJson(engine, {
      headers: { ...headers, 'x-amz-target': 'TrentService.Nope' },
      body: '{}',
    });
    expect(bad.statusCode).to.equal(400);
    expect(JSON.parse(bad.body.toString()).__type).to.equal('UnknownOperationException');
  });
});
