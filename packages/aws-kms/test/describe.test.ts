import { describeAwsKmsKey, MALFORMED_AWS_KEY_LOCATION } from '@envelope/aws-kms/describe';
import { expect } from 'chai';

const ARN = 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const edk = (providerId: string, info: string | Buffer) => ({
  providerId,
  providerInfo: typeof info === 'string' ? Buffer.from(info, 'utf8') : info,
});

describe('describeAwsKmsKey (envelope inspect)', () => {
  it('gives cloud aws, the region and the key ARN, for aws-kms and aws-kms-rsa', () => {
    for (const provider of ['aws-kms', 'aws-kms-rsa']) {
      expect(describeAwsKmsKey(edk(provider, ARN))).to.deep.equal({
        provider,
        cloud: 'aws',
        location: 'eu-west-1',
        key: ARN,
      });
    }
  });

  it('leaves every other provider to the other describers', () => {
    expect(describeAwsKmsKey(edk('gcp-kms', ARN))).to.equal(undefined);
    expect(describeAwsKmsKey(edk('azure-kv', ARN))).to.equal(undefined);
    expect(describeAwsKmsKey(edk('aws-kms-x', ARN))).to.equal(undefined);
  });

  it('describes malformed provider info as cloud aws, showing the value, never throwing', () => {
    const cases: [string | Buffer, string][] = [
      ['', ''],
      ['not an arn', 'not an arn'],
      ['arn:aws:kms:eu-west-1:1111:key/k', 'arn:aws:kms:eu-west-1:1111:key/k'],
      ['arn:aws:s3:::bucket', 'arn:aws:s3:::bucket'],
      [`${ARN}\n`, `hex:${Buffer.from(`${ARN}\n`).toString('hex')}`],
      [`${ARN}\u001b[2J`, `hex:${Buffer.from(`${ARN}\u001b[2J`).toString('hex')}`],
      [Buffer.from([0xff, 0x00, 0x1b]), 'hex:ff001b'],
      [`${ARN}\u00e9`, `hex:${Buffer.from(`${ARN}\u00e9`).toString('hex')}`],
    ];
    for (const [info, key] of cases) {
      expect(describeAwsKmsKey(edk('aws-kms', info)), JSON.stringify(info)).to.deep.equal({
        provider: 'aws-kms',
        cloud: 'aws',
        location: MALFORMED_AWS_KEY_LOCATION,
        key,
      });
    }
  });

  it('shows at most 256 bytes of a long malformed value, with its length', () => {
    const described = describeAwsKmsKey(edk('aws-kms-rsa', 'x'.repeat(65_535)));
    expect(described?.location).to.equal(MALFORMED_AWS_KEY_LOCATION);
    expect(described?.key).to.equal(`${'x'.repeat(256)}… (65535 bytes)`);
  });
});
