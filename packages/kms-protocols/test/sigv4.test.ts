import { Hash } from '@smithy/hash-node';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import { expect } from 'chai';
import { type AccessKey, type SignedRequest, verifySigV4 } from '../src/index.js';

const KEYS = new Map<string, AccessKey>([
  ['AKIDALICE', { secretAccessKey: 'alice-secret', principal: 'arn:aws:iam::111122223333:user/alice' }],
]);

async function signed(
  options: {
    secret?: string;
    body?: string;
    date?: Date;
    region?: string;
    service?: string;
    unsigned?: string[];
  } = {},
): Promise<SignedRequest> {
  const body = options.body ?? '{"KeyId":"alias/app"}';
  const signer = new SignatureV4({
    credentials: { accessKeyId: 'AKIDALICE', secretAccessKey: options.secret ?? 'alice-secret' },
    region: options.region ?? 'eu-west-1',
    service: options.service ?? 'kms',
    sha256: Hash.bind(null, 'sha256'),
  });
  const request = await signer.sign(
    new HttpRequest({
      method: 'POST',
      protocol: 'http:',
      hostname: '127.0.0.1',
      port: 4599,
      path: '/',
      headers: {
        host: '127.0.0.1:4599',
        'content-type': 'application/x-amz-json-1.1',
        'x-amz-target': 'TrentService.Encrypt',
      },
      body,
    }),
    {
      ...(options.date ? { signingDate: options.date } : {}),
      ...(options.unsigned ? { unsignableHeaders: new Set(options.unsigned) } : {}),
    },
  );
  const headers = Object.fromEntries(
    Object.entries((request as HttpRequest).headers).map(([k, v]) => [k.toLowerCase(), String(v)]),
  );
  return { method: 'POST', url: '/', headers, body: Buffer.from(body) };
}

describe('SigV4 verification', () => {
  it('accepts a request signed by the AWS SDK signer and names its principal and region', async () => {
    const result = verifySigV4(await signed(), KEYS);
    expect(result).to.deep.include({
      ok: true,
      principal: 'arn:aws:iam::111122223333:user/alice',
      region: 'eu-west-1',
    });
  });

  it('reads header names in any case, as in-process SDK requests carry them', async () => {
    const request = await signed();
    const titleCase = (name: string) =>
      name.replace(/(^|-)([a-z])/g, (_, dash, c) => `${dash}${c.toUpperCase()}`);
    const headers = Object.fromEntries(Object.entries(request.headers).map(([k, v]) => [titleCase(k), v]));
    expect(headers).to.have.property('X-Amz-Target');
    expect(verifySigV4({ ...request, headers }, KEYS)).to.deep.include({ ok: true });
  });

  it('rejects a tampered body', async () => {
    const request = await signed();
    const result = verifySigV4({ ...request, body: Buffer.from('{"KeyId":"alias/other"}') }, KEYS);
    expect(result).to.deep.include({ ok: false, errorType: 'InvalidSignatureException' });
  });

  it('rejects a signature made with the wrong secret', async () => {
    const result = verifySigV4(await signed({ secret: 'guess' }), KEYS);
    expect(result).to.deep.include({ ok: false, errorType: 'InvalidSignatureException' });
  });

  it('rejects an unknown access key', async () => {
    const result = verifySigV4(await signed(), new Map());
    expect(result).to.deep.include({ ok: false, errorType: 'UnrecognizedClientException' });
  });

  it('rejects an expired signature', async () => {
    const result = verifySigV4(await signed({ date: new Date(Date.now() - 20 * 60 * 1000) }), KEYS);
    expect(result.ok).to.equal(false);
    expect(result.ok === false && result.message).to.match(/^Signature expired/);
  });

  it('rejects a credential scoped to another service', async () => {
    const result = verifySigV4(await signed({ service: 's3' }), KEYS);
    expect(result).to.deep.equal({
      ok: false,
      errorType: 'InvalidSignatureException',
      message: "Credential should be scoped to correct service: 'kms'.",
    });
  });

  it('rejects a credential scope whose region is not an AWS Region name', async () => {
    for (const region of ['US-EAST-1', 'x:999999999999:key', 'useast1', 'us-east-1a']) {
      const result = verifySigV4(await signed({ region }), KEYS);
      expect(result, region).to.deep.equal({
        ok: false,
        errorType: 'InvalidSignatureException',
        message: `Credential should be scoped to a valid region, not '${region}'. Use a lower-case AWS Region name such as us-east-1.`,
      });
    }
  });

  it('rejects a request whose X-Amz-Target is not signed', async () => {
    const request = await signed({ unsigned: ['x-amz-target'] });
    expect(request.headers['x-amz-target']).to.equal('TrentService.Encrypt');
    expect(request.headers.authorization).to.not.contain('x-amz-target');
    const result = verifySigV4(request, KEYS);
    expect(result).to.deep.equal({
      ok: false,
      errorType: 'IncompleteSignatureException',
      message: "The 'x-amz-target' header must be signed.",
    });
  });

  it('rejects a request with no Authorization header', () => {
    const result = verifySigV4({ method: 'POST', url: '/', headers: {}, body: Buffer.alloc(0) }, KEYS);
    expect(result).to.deep.include({ ok: false, errorType: 'MissingAuthenticationTokenException' });
  });
});
