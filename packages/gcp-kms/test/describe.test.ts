import { describeGcpKmsKey, MALFORMED_GCP_KEY_LOCATION } from '@envelope/gcp-kms/describe';
import { expect } from 'chai';

const KEY = 'projects/acme-prod/locations/europe-west1/keyRings/app/cryptoKeys/data';
const edk = (providerId: string, info: string | Buffer) => ({
  providerId,
  providerInfo: typeof info === 'string' ? Buffer.from(info, 'utf8') : info,
});

describe('describeGcpKmsKey (envelope inspect)', () => {
  it('gives cloud gcp, the project and location, and the full CryptoKey name', () => {
    expect(describeGcpKmsKey(edk('gcp-kms', KEY))).to.deep.equal({
      provider: 'gcp-kms',
      cloud: 'gcp',
      location: 'projects/acme-prod/locations/europe-west1',
      key: KEY,
    });
  });

  it('leaves every other provider to the other describers', () => {
    expect(describeGcpKmsKey(edk('aws-kms', KEY))).to.equal(undefined);
    expect(describeGcpKmsKey(edk('azure-kv', KEY))).to.equal(undefined);
    expect(describeGcpKmsKey(edk('gcp-kms-x', KEY))).to.equal(undefined);
  });

  it('describes malformed provider info as such, never throwing', () => {
    const cases: [string | Buffer, string][] = [
      ['', ''],
      ['not a key name', 'not a key name'],
      [`${KEY}/cryptoKeyVersions/3`, `${KEY}/cryptoKeyVersions/3`],
      ['projects/p/locations/l/keyRings/r', 'projects/p/locations/l/keyRings/r'],
      [`${KEY}\n`, `hex:${Buffer.from(`${KEY}\n`).toString('hex')}`],
      [Buffer.from([0xff, 0x00, 0x1b]), 'hex:ff001b'],
      [
        `projects/p/locations/l/keyRings/r/cryptoKeys/k\u00e9`,
        `hex:${Buffer.from('projects/p/locations/l/keyRings/r/cryptoKeys/k\u00e9').toString('hex')}`,
      ],
    ];
    for (const [info, key] of cases) {
      expect(describeGcpKmsKey(edk('gcp-kms', info)), JSON.stringify(info)).to.deep.equal({
        provider: 'gcp-kms',
        cloud: 'gcp',
        location: MALFORMED_GCP_KEY_LOCATION,
        key,
      });
    }
  });

  it('shows at most 256 bytes of a long malformed value, with its length', () => {
    const described = describeGcpKmsKey(edk('gcp-kms', 'x'.repeat(65_535)));
    expect(described?.location).to.equal(MALFORMED_GCP_KEY_LOCATION);
    expect(described?.key).to.equal(`${'x'.repeat(256)}… (65535 bytes)`);
  });
});
