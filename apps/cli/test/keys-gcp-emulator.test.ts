import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { envelope } from './support/run-envelope.js';

/**
 * `envelope keys gcp` against a running emulator's Cloud KMS face. Runs when ENVELOPE_GCP_KMS_URL
 * (gRPC host:port) and optionally ENVELOPE_GCP_KMS_REST_URL are set, e.g. by a harness that starts
 * `envelope kms serve`; skipped otherwise (the GCP face is being built in parallel).
 */
const endpoints = [
  ['grpc', process.env.ENVELOPE_GCP_KMS_URL],
  ['rest', process.env.ENVELOPE_GCP_KMS_REST_URL],
] as const;

for (const [transport, endpoint] of endpoints) {
  (endpoint ? describe : describe.skip)(`envelope keys gcp against the emulator (${transport})`, () => {
    const cwd = mkdtempSync(join(tmpdir(), 'envelope-keys-gcp-e2e-'));
    const ring = `ring-${transport}-${Date.now()}`;
    const gcp = async (...args: string[]) => {
      const run = await envelope(
        cwd,
        'keys',
        'gcp',
        '--endpoint',
        endpoint!,
        '--transport',
        transport,
        '--project',
        'envelope-test',
        '--location',
        'europe-west1',
        '--json',
        ...args,
      );
      expect(run.code, run.stderr).to.equal(0);
      return JSON.parse(run.stdout) as Record<string, unknown>;
    };
    const location = 'projects/envelope-test/locations/europe-west1';

    it('creates a key ring and a key, lists them, rotates, disables, enables and destroys versions', async () => {
      expect((await gcp('create-ring', ring)).keyRing).to.equal(`${location}/keyRings/${ring}`);
      const key = `${location}/keyRings/${ring}/cryptoKeys/data`;
      expect((await gcp('create-key', `${ring}/data`, '--rotation-period', '90d')).cryptoKey).to.equal(key);
      expect((await gcp('list')).keyRings).to.include(`${location}/keyRings/${ring}`);
      const keys = (await gcp('list', ring)).cryptoKeys as Array<{ name: string; state: string }>;
      expect(keys.map((k) => [k.name, k.state])).to.deep.equal([[key, 'ENABLED']]);
      expect((await gcp('rotate', `${ring}/data`)).primary).to.equal(`${key}/cryptoKeyVersions/2`);
      expect((await gcp('disable', `${ring}/data/1`)).state).to.equal('DISABLED');
      expect((await gcp('enable', `${ring}/data/1`)).state).to.equal('ENABLED');
      expect((await gcp('destroy', `${ring}/data/1`)).state).to.equal('DESTROY_SCHEDULED');
      const versions = (await gcp('versions', `${ring}/data`)).versions as Array<{
        name: string;
        state: string;
      }>;
      expect(versions.map((v) => v.state)).to.deep.equal(['DESTROY_SCHEDULED', 'ENABLED']);
    });
  });
}
