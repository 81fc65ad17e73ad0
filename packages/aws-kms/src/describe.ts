import type { MasterKeyDescriber } from '@envelope/core';
import { parseKmsArn } from './arn.js';

/**
 * Describes an EDK written by an AWS KMS keyring (`aws-kms`, `aws-kms-rsa`: provider info is the key
 * ARN): cloud `aws`, location the ARN's region. Imports no SDK: load it from
 * `@envelope/aws-kms/describe` to stay light.
 */
export const describeAwsKmsKey: MasterKeyDescriber = (edk) => {
  if (edk.providerId !== 'aws-kms' && edk.providerId !== 'aws-kms-rsa') return undefined;
  const arn = Buffer.from(edk.providerInfo).toString('utf8');
  const parsed = parseKmsArn(arn);
  if (!parsed) return undefined;
  return { provider: edk.providerId, cloud: 'aws', location: parsed.region, key: arn };
};
