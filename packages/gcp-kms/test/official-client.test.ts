import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type GcpKmsClient, GcpKmsError, GcpKmsKeyring, gcpClientOptions } from '@envelope/gcp-kms';
import { KeyManagementServiceClient } from '@google-cloud/kms';
import { expect } from 'chai';
import { KEY_A } from './support/fake-cloud-kms.js';
import { unwrapWith, wrapWith } from './support/materials.js';
import { startRestCloudKms } from './support/rest-cloud-kms.js';

/** A port on 127.0.0.1 with nothing listening: a location that is down. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function failure(work: Promise<unknown>): Promise<GcpKmsError> {
  try {
    await work;
  } catch (error) {
    expect(error).to.be.instanceOf(GcpKmsError);
    return error as GcpKmsError;
  }
  expect.fail('expected a rejection');
}

describe('the official @google-cloud/kms client, pointed by gcpClientOptions', () => {
  // A stand-in metadata server: the client must never ask it anything (no GCE probe, no ADC lookup).
  let metadata: Server;
  const probes: string[] = [];
  const saved = { host: process.env.GCE_METADATA_HOST, ip: process.env.GCE_METADATA_IP };
  before(async () => {
    metadata = createServer((req, res) => {
      probes.push(`${req.method} ${req.url}`);
      res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => metadata.listen(0, '127.0.0.1', resolve));
    const host = `127.0.0.1:${(metadata.address() as AddressInfo).port}`;
    process.env.GCE_METADATA_HOST = host;
    process.env.GCE_METADATA_IP = host;
  });
  after(async () => {
    for (const [name, value] of [
      ['GCE_METADATA_HOST', saved.host],
      ['GCE_METADATA_IP', saved.ip],
    ] as const) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    await new Promise<void>((resolve) => metadata.close(() => resolve()));
    expect(probes, 'requests to the metadata server').to.deep.equal([]);
  });

  describe('REST (fallback: rest, plain HTTP)', () => {
    it('wraps and unwraps a data key end to end, CRC32Cs checked both ways', async () => {
      const kms = await startRestCloudKms();
      const client = new KeyManagementServiceClient(
        gcpClientOptions({ endpoint: kms.endpoint, transport: 'rest' }),
      );
      try {
        const keyring = new GcpKmsKeyring({ generatorKeyName: KEY_A, client });
        const { dataKey, edks } = await wrapWith(keyring, { tenant: 'a' });
        expect(edks[0]!.providerId).to.equal('gcp-kms');
        expect(edks[0]!.providerInfo.toString()).to.equal(KEY_A);
        expect(await unwrapWith(keyring, edks, { tenant: 'a' })).to.deep.equal(dataKey);
        // The serialized encryption context is the AAD: another context does not decrypt.
        try {
          await unwrapWith(keyring, edks, { tenant: 'b' });
          expect.fail('expected a rejection');
        } catch (error) {
          expect((error as Error).message).to.include('INVALID_ARGUMENT');
        }
        expect(kms.requests.every((r) => r.startsWith(`POST /v1/${KEY_A}:`))).to.equal(true);
      } finally {
        await client.close();
        await kms.close();
      }
    });

    it('normalises REST errors: 404 to NOT_FOUND, 403 to PERMISSION_DENIED', async () => {
      const kms = await startRestCloudKms();
      const client = new KeyManagementServiceClient(
        gcpClientOptions({ endpoint: kms.endpoint, transport: 'rest' }),
      );
      try {
        for (const [id, status] of [
          ['missing', 'NOT_FOUND'],
          ['denied', 'PERMISSION_DENIED'],
        ] as const) {
          const keyring = new GcpKmsKeyring({ generatorKeyName: KEY_A.replace(/\/a$/, `/${id}`), client });
          const error = await failure(wrapWith(keyring));
          expect(error.status).to.equal(status);
        }
      } finally {
        await client.close();
        await kms.close();
      }
    });

    it('fails over in well under a second when the endpoint refuses connections', async () => {
      const port = await closedPort();
      const client = new KeyManagementServiceClient(
        gcpClientOptions({ endpoint: `127.0.0.1:${port}`, transport: 'rest' }),
      );
      try {
        const started = performance.now();
        const error = await failure(
          wrapWith(
            new GcpKmsKeyring({
              generatorKeyName: KEY_A,
              client,
              retry: { maxAttempts: 2, baseDelayMs: 10 },
            }),
          ),
        );
        expect(error.status).to.equal('UNAVAILABLE');
        expect(performance.now() - started).to.be.below(3000);
      } finally {
        await client.close();
      }
    });
  });

  describe('gRPC (insecure channel)', () => {
    it('is the keyring port: the real client type-checks as a GcpKmsClient', () => {
      const client: GcpKmsClient = new KeyManagementServiceClient(
        gcpClientOptions({ endpoint: '127.0.0.1:1' }),
      );
      expect(client.encrypt).to.be.a('function');
      return (client as KeyManagementServiceClient).close();
    });

    it('fails over within the keyring deadline when the location is down (not the client default 600 s)', async () => {
      const port = await closedPort();
      const client = new KeyManagementServiceClient(gcpClientOptions({ endpoint: `127.0.0.1:${port}` }));
      try {
        const started = performance.now();
        const error = await failure(
          wrapWith(
            new GcpKmsKeyring({
              generatorKeyName: KEY_A,
              client,
              retry: { totalTimeoutMs: 2000, baseDelayMs: 10 },
            }),
          ),
        );
        expect(error.status).to.be.oneOf(['UNAVAILABLE', 'DEADLINE_EXCEEDED']);
        expect(performance.now() - started).to.be.below(4000);
      } finally {
        await client.close();
      }
    });
  });

  it('refuses an endpoint without a port', () => {
    expect(() => gcpClientOptions({ endpoint: 'localhost' })).to.throw(/needs a host and a port/);
  });
});
