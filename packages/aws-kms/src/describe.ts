import { describeCloudMasterKey, type MasterKeyDescriber } from '@envelope/core';
import { parseKmsArn } from './arn.js';

/** Shown as the location of an `aws-kms` EDK whose provider info is not a KMS key ARN. */
export const MALFORMED_AWS_KEY_LOCATION = '(malformed: provider info is not a KMS key ARN)';

/**
 * Describes an EDK written by an AWS KMS keyring (`aws-kms`, `aws-kms-rsa`: provider info is the key
 * ARN): cloud `aws`, location the ARN's region. Provider info that is not an ARN is described as
 * malformed (at most 256 bytes of it shown) rather than refused or left to the raw describer: the
 * header is unauthenticated input and `inspect` must show it as what it claims to be, not crash.
 * Undefined for any other provider. Imports no SDK: load it from `@envelope/aws-kms/describe` to
 * stay light.
 */
export const describeAwsKmsKey: MasterKeyDescriber = (edk) => {
  if (edk.providerId !== 'aws-kms' && edk.providerId !== 'aws-kms-rsa') return undefined;
  return describeCloudMasterKey(edk, {
    cloud: 'aws',
    malformedLocation: MALFORMED_AWS_KEY_LOCATION,
    parse(arn) {
      // Only printable ASCII is taken as an ARN (the rest, control characters included, is shown as hex).
      const parsed = /^[\x20-\x7e]+$/.test(arn) ? parseKmsArn(arn) : undefined;
      return parsed && { location: parsed.region, key: arn };
    },
  });
};
