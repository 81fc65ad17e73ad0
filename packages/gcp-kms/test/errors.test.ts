import { KeyringError } from '@envelope/core';
import { GcpKmsError, GcpKmsKeyring, grpcStatusOf, normalizeGcpError } from '@envelope/gcp-kms';
import { expect } from 'chai';
import { GoogleError, Status } from 'google-gax';
import { FakeCloudKms, grpcError, KEY_A } from './support/fake-cloud-kms.js';
import { wrapWith } from './support/materials.js';

/** A `GaxiosError` as gaxios shapes it (REST transport, 401/403 reject before the fallback decodes them). */
function gaxiosError(status: number, body: unknown): Error {
  return Object.assign(new Error(`Request failed with status code ${status}`), {
    name: 'GaxiosError',
    status,
    response: { status, data: body },
  });
}

/** A `GoogleError` as the REST fallback builds it from an HTTP error response. */
function restGoogleError(httpStatus: number, body: unknown): GoogleError {
  return Object.assign(GoogleError.parseHttpError(body), { httpStatusCode: httpStatus });
}

describe('Cloud KMS errors from both transports, normalised', () => {
  const cases: Array<[string, unknown, string]> = [
    ['gRPC NOT_FOUND (numeric code)', grpcError(Status.NOT_FOUND, 'CryptoKey not found'), 'NOT_FOUND'],
    ['gRPC PERMISSION_DENIED', grpcError(Status.PERMISSION_DENIED, 'denied'), 'PERMISSION_DENIED'],
    ['gRPC UNAVAILABLE', grpcError(Status.UNAVAILABLE, 'connect ECONNREFUSED'), 'UNAVAILABLE'],
    [
      'gRPC RESOURCE_EXHAUSTED (throttled)',
      grpcError(Status.RESOURCE_EXHAUSTED, 'quota'),
      'RESOURCE_EXHAUSTED',
    ],
    [
      'gRPC FAILED_PRECONDITION (disabled version)',
      grpcError(Status.FAILED_PRECONDITION, 'is not enabled'),
      'FAILED_PRECONDITION',
    ],
    [
      'REST GoogleError from the fallback (parsed body)',
      restGoogleError(404, { error: { code: 404, message: 'CryptoKey not found', status: 'NOT_FOUND' } }),
      'NOT_FOUND',
    ],
    [
      'REST GoogleError with only an HTTP status',
      Object.assign(new GoogleError('Service Unavailable'), { httpStatusCode: 503 }),
      'UNAVAILABLE',
    ],
    [
      'GaxiosError 403 with a Google error body',
      gaxiosError(403, { error: { code: 403, message: 'Permission denied', status: 'PERMISSION_DENIED' } }),
      'PERMISSION_DENIED',
    ],
    [
      'GaxiosError 429 with a body as text',
      gaxiosError(429, '{"error":{"code":429,"message":"slow down"}}'),
      'RESOURCE_EXHAUSTED',
    ],
    ['GaxiosError 502 with no body', gaxiosError(502, undefined), 'INTERNAL'],
    [
      'a refused socket',
      Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
      'UNAVAILABLE',
    ],
    ['a cause chain', new Error('wrapped', { cause: grpcError(Status.NOT_FOUND, 'x') }), 'NOT_FOUND'],
    ['anything else', new Error('???'), 'UNKNOWN'],
  ];
  for (const [what, error, status] of cases) {
    it(`maps ${what} to ${status}`, () => {
      expect(grpcStatusOf(error)).to.equal(status);
      const normalised = normalizeGcpError(error, 'Decrypt', KEY_A);
      expect(normalised).to.be.instanceOf(GcpKmsError).and.instanceOf(KeyringError);
      expect(normalised.code).to.equal('ENVELOPE_KEYRING_FAILED');
      expect((normalised as GcpKmsError).status).to.equal(status);
      expect(normalised.message).to.include(`Cloud KMS Decrypt with ${KEY_A} failed: ${status}`);
      expect(normalised.cause).to.equal(error);
    });
  }

  it('says what to do about a missing key or a missing permission', () => {
    expect(normalizeGcpError(grpcError(Status.NOT_FOUND, 'x'), 'Encrypt', KEY_A).message).to.match(
      /check the CryptoKey name/,
    );
    expect(normalizeGcpError(grpcError(Status.PERMISSION_DENIED, 'x'), 'Encrypt', KEY_A).message).to.match(
      /roles\/cloudkms\.cryptoKeyEncrypterDecrypter/,
    );
  });

  it('surfaces a failed Encrypt from the keyring as a GcpKmsError with the status', async () => {
    const kms = new FakeCloudKms();
    kms.failures = [
      grpcError(Status.PERMISSION_DENIED, 'Permission cloudkms.cryptoKeyVersions.useToEncrypt denied'),
    ];
    try {
      await wrapWith(new GcpKmsKeyring({ generatorKeyName: KEY_A, client: kms }));
      expect.fail('expected a rejection');
    } catch (error) {
      expect(error).to.be.instanceOf(GcpKmsError);
      expect((error as GcpKmsError).status).to.equal('PERMISSION_DENIED');
      expect((error as Error).message).to.include('useToEncrypt denied');
    }
  });
});
