import { formatKmsArn, isMultiRegionArn, mrkMatch, parseKmsArn } from '@envelope/aws-kms';
import { expect } from 'chai';

const KEY = 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const MRK_EAST = 'arn:aws:kms:us-east-1:111122223333:key/mrk-1234abcd12ab34cd56ef1234567890ab';
const MRK_WEST = 'arn:aws:kms:us-west-2:111122223333:key/mrk-1234abcd12ab34cd56ef1234567890ab';

describe('KMS ARNs', () => {
  it('parses and formats a key ARN', () => {
    const arn = parseKmsArn(KEY);
    expect(arn).to.deep.equal({
      partition: 'aws',
      region: 'us-east-1',
      accountId: '111122223333',
      resourceType: 'key',
      resourceId: '1234abcd-12ab-34cd-56ef-1234567890ab',
    });
    expect(formatKmsArn(arn!)).to.equal(KEY);
  });

  it('rejects identifiers that are not KMS ARNs', () => {
    expect(parseKmsArn('alias/my-key')).to.equal(undefined);
    expect(parseKmsArn('arn:aws:s3:::bucket')).to.equal(undefined);
    expect(parseKmsArn('arn:aws:kms:us-east-1:123:key/x')).to.equal(undefined);
  });

  it('recognises multi-Region keys by their mrk- prefix', () => {
    expect(isMultiRegionArn(parseKmsArn(MRK_EAST)!)).to.equal(true);
    expect(isMultiRegionArn(parseKmsArn(KEY)!)).to.equal(false);
  });

  describe('MRK match for decrypt', () => {
    it('matches identical identifiers', () => expect(mrkMatch(KEY, KEY)).to.equal(true));
    it('matches replicas of one multi-Region key across regions', () =>
      expect(mrkMatch(MRK_WEST, MRK_EAST)).to.equal(true));
    it('does not match single-Region keys in other regions', () =>
      expect(mrkMatch(KEY, KEY.replace('us-east-1', 'us-west-2'))).to.equal(false));
    it('does not match multi-Region keys of another account', () =>
      expect(mrkMatch(MRK_WEST, MRK_EAST.replace('111122223333', '444455556666'))).to.equal(false));
  });
});
