import type { Server } from 'node:http';
import { crc32c } from '@aws-crypto/crc32c';
import { KeyManagementServiceClient } from '@google-cloud/kms';
import { expect } from 'chai';
import { GcpInProcessAuthClient, MAX_REST_BODY_BYTES } from '../src/index.js';
import { FAST, newService, startRest } from './gcp-harness.js';

/** The proto3 JSON fields these tests read. */
interface WireBody {
  name: string;
  ciphertext: string;
  ciphertextCrc32c: string;
  plaintext: string;
  state: string | number;
  rotationPeriod: string;
  nextRotationTime: string;
  error: { code: number; message: string; status: string };
}

const LOCATION = 'projects/p1/locations/global';
const RING = `${LOCATION}/keyRings/ring`;
const KEY = `${RING}/cryptoKeys/key`;

describe('Cloud KMS REST transcoding on the wire', () => {
  let server: Server;
  let base: string;
  let core: ReturnType<typeof newService>['core'];

  const call = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: { 'content-type': 'application/json' },
      ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
    });
    return { status: response.status, json: (await response.json()) as WireBody };
  };

  beforeEach(async () => {
    const made = newService();
    core = made.core;
    const started = await startRest(made.service);
    server = started.server;
    base = `http://127.0.0.1:${started.port}`;
    await call('POST', `/v1/${LOCATION}/keyRings?keyRingId=ring`, {});
    await call('POST', `/v1/${RING}/cryptoKeys?cryptoKeyId=key`, { purpose: 'ENCRYPT_DECRYPT' });
  });
  afterEach(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('accepts bytes in the URL-safe base64 alphabet (as gcloud sends) and answers int64 as strings', async () => {
    const plaintext = Buffer.from([0xfb, 0xff, 0xfe, 0xfb, 0xef]);
    const enc = await call('POST', `/v1/${KEY}:encrypt?alt=json`, {
      plaintext: plaintext.toString('base64url'),
    });
    expect(enc.status).to.equal(200);
    expect(enc.json.name).to.equal(`${KEY}/cryptoKeyVersions/1`);
    expect(enc.json.ciphertextCrc32c).to.be.a('string');
    expect(enc.json.ciphertextCrc32c).to.equal(String(crc32c(Buffer.from(enc.json.ciphertext, 'base64'))));
    const dec = await call('POST', `/v1/${KEY}:decrypt`, { ciphertext: enc.json.ciphertext });
    expect(Buffer.from(dec.json.plaintext, 'base64').equals(plaintext)).to.equal(true);
  });

  it('answers enums by name for alt=json and by number for enum-encoding=int', async () => {
    const byName = await call('GET', `/v1/${KEY}/cryptoKeyVersions/1?alt=json`);
    expect(byName.json.state).to.equal('ENABLED');
    const byNumber = await call('GET', `/v1/${KEY}/cryptoKeyVersions/1?$alt=json%3Benum-encoding=int`);
    expect(byNumber.json.state).to.equal(1);
  });

  it('counts a present zero checksum as provided', async () => {
    const zero = await call('POST', `/v1/${KEY}:encrypt`, { plaintext: 'eA==', plaintextCrc32c: '0' });
    expect(zero.status).to.equal(400);
    expect(zero.json.error.message).to.equal(
      'The checksum in field plaintext_crc32c did not match the data in field plaintext.',
    );
  });

  it("answers Google's JSON error body, and refuses unknown routes, bad JSON and oversized bodies", async () => {
    const missing = await call('GET', `/v1/${RING}/cryptoKeys/none`);
    expect(missing).to.deep.equal({
      status: 404,
      json: {
        error: { code: 404, message: `CryptoKey ${RING}/cryptoKeys/none not found.`, status: 'NOT_FOUND' },
      },
    });
    expect((await call('GET', '/v1/nothing/here')).json.error.status).to.equal('NOT_FOUND');
    const badJson = await call('POST', `/v1/${KEY}:encrypt`, '{not json');
    expect(badJson.status).to.equal(400);
    expect(badJson.json.error.status).to.equal('INVALID_ARGUMENT');
    const unknownField = await call('POST', `/v1/${KEY}:encrypt`, { plaintext: 'eA==', bogus: 1 });
    expect(unknownField.json.error).to.deep.include({ status: 'INVALID_ARGUMENT', code: 400 });
    expect(unknownField.json.error.message).to.match(/Unknown name "bogus"/);
    const huge = await call('POST', `/v1/${KEY}:encrypt`, { plaintext: 'A'.repeat(MAX_REST_BODY_BYTES) });
    expect(huge.status).to.equal(400);
    expect(huge.json.error.message).to.match(/payload size exceeds the limit/);
  });

  it('reads PATCH update masks from the query string', async () => {
    const patched = await call('PATCH', `/v1/${KEY}?updateMask=rotationPeriod,nextRotationTime`, {
      rotationPeriod: '172800s',
      nextRotationTime: '2030-01-01T00:00:00Z',
    });
    expect(patched.status).to.equal(200);
    expect(patched.json.rotationPeriod).to.equal('172800s');
    expect(Date.parse(patched.json.nextRotationTime)).to.equal(Date.parse('2030-01-01T00:00:00Z'));
  });

  it('resets the connection for a location that is down', async () => {
    core.faults.down('gcp', LOCATION);
    let failure: unknown;
    try {
      await fetch(`${base}/v1/${KEY}`);
    } catch (error) {
      failure = error;
    }
    expect(failure).to.be.instanceOf(TypeError);
  });
});

describe('in-process REST with a corrupted response', () => {
  it("is caught by the caller's CRC32C check on the response", async () => {
    const { service } = newService();
    const auth = new GcpInProcessAuthClient(service);
    const honest = auth.fetch.bind(auth);
    let corrupt = false;
    // Flips one ciphertext bit after the emulator computed its checksum, as a faulty network would.
    auth.fetch = async (input, init) => {
      const response = await honest(input, init);
      if (!corrupt) return response;
      const json = (await response.json()) as { ciphertext?: string };
      if (json.ciphertext) {
        const blob = Buffer.from(json.ciphertext, 'base64');
        blob[blob.length - 1] = (blob[blob.length - 1] as number) ^ 1;
        json.ciphertext = blob.toString('base64');
      }
      return new Response(JSON.stringify(json), { status: response.status, headers: response.headers });
    };
    const client = new KeyManagementServiceClient({ fallback: 'rest', authClient: auth as never });
    try {
      await client.createKeyRing({ parent: LOCATION, keyRingId: 'ring' }, FAST);
      await client.createCryptoKey(
        { parent: RING, cryptoKeyId: 'key', cryptoKey: { purpose: 'ENCRYPT_DECRYPT' } },
        FAST,
      );
      const check = (r: { ciphertext?: unknown; ciphertextCrc32c?: { value?: unknown } | null }) =>
        String(crc32c(Buffer.from(r.ciphertext as Uint8Array))) === String(r.ciphertextCrc32c?.value);
      const [good] = await client.encrypt({ name: KEY, plaintext: Buffer.from('x') }, FAST);
      expect(check(good)).to.equal(true);
      corrupt = true;
      const [bad] = await client.encrypt({ name: KEY, plaintext: Buffer.from('x') }, FAST);
      expect(check(bad)).to.equal(false);
    } finally {
      await client.close();
    }
  });
});
