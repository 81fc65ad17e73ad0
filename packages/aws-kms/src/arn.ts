import { InvalidArgumentError } from '@envelope/core';

/** A parsed `arn:<partition>:kms:<region>:<account>:<resourceType>/<resourceId>`. */
export interface KmsArn {
  readonly partition: string;
  readonly region: string;
  readonly accountId: string;
  readonly resourceType: 'key' | 'alias';
  readonly resourceId: string;
}

const ARN = /^arn:([a-z0-9-]+):kms:([a-z0-9-]+):(\d{12}):(key|alias)\/(.+)$/;

export function parseKmsArn(value: string): KmsArn | undefined {
  const m = ARN.exec(value);
  if (!m) return undefined;
  return {
    partition: m[1]!,
    region: m[2]!,
    accountId: m[3]!,
    resourceType: m[4] as 'key' | 'alias',
    resourceId: m[5]!,
  };
}

export function formatKmsArn(arn: KmsArn): string {
  return `arn:${arn.partition}:kms:${arn.region}:${arn.accountId}:${arn.resourceType}/${arn.resourceId}`;
}

/** Multi-Region keys have ids `mrk-` followed by 32 hex digits. */
export function isMultiRegionKeyId(resourceId: string): boolean {
  return resourceId.startsWith('mrk-');
}

export function isMultiRegionArn(arn: KmsArn): boolean {
  return arn.resourceType === 'key' && isMultiRegionKeyId(arn.resourceId);
}

/**
 * The AWS Encryption SDK's "AWS KMS MRK match for decrypt": identical identifiers match; two
 * multi-Region key ARNs match when everything but the region is equal (replicas of one key).
 */
export function mrkMatch(configured: string, fromMessage: string): boolean {
  if (configured === fromMessage) return true;
  const a = parseKmsArn(configured);
  const b = parseKmsArn(fromMessage);
  if (!a || !b || !isMultiRegionArn(a) || !isMultiRegionArn(b)) return false;
  return a.partition === b.partition && a.accountId === b.accountId && a.resourceId === b.resourceId;
}

/** The region a key identifier names, if it is an ARN. */
export function regionOf(keyId: string): string | undefined {
  return parseKmsArn(keyId)?.region;
}

export function assertKeyIdentifier(keyId: string, purpose: string): void {
  if (typeof keyId !== 'string' || keyId.length === 0 || keyId.length > 2048) {
    throw new InvalidArgumentError(`${purpose} must be a KMS key id, key ARN, alias name or alias ARN.`);
  }
}
