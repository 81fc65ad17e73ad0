import { randomBytes, randomUUID } from 'node:crypto';

export const newKeyId = (multiRegion: boolean): string =>
  multiRegion ? `mrk-${randomBytes(16).toString('hex')}` : randomUUID();

/** An AWS Region name as it appears in ARNs and SigV4 scopes: `us-east-1`, `ap-southeast-2`, `us-gov-west-1`. */
export const REGION_NAME = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;

export const keyArn = (region: string, accountId: string, keyId: string): string =>
  `arn:aws:kms:${region}:${accountId}:key/${keyId}`;

export const aliasArn = (region: string, accountId: string, aliasName: string): string =>
  `arn:aws:kms:${region}:${accountId}:${aliasName}`;

export interface ParsedKmsArn {
  region: string;
  accountId: string;
  resourceType: 'key' | 'alias';
  /** Key id for keys, full `alias/name` for aliases. */
  resource: string;
}

export function parseKmsArn(arn: string): ParsedKmsArn | undefined {
  const m = /^arn:aws[a-z-]*:kms:([a-z0-9-]+):(\d{12}):(key\/.+|alias\/.+)$/.exec(arn);
  if (!m) return undefined;
  const resource = m[3]!;
  return resource.startsWith('key/')
    ? { region: m[1]!, accountId: m[2]!, resourceType: 'key', resource: resource.slice(4) }
    : { region: m[1]!, accountId: m[2]!, resourceType: 'alias', resource };
}

/** Account of an IAM/STS principal ARN (`arn:aws:iam::111122223333:user/x`), or undefined. */
export function principalAccount(principal: string): string | undefined {
  if (/^\d{12}$/.test(principal)) return principal;
  return /^arn:aws[a-z-]*:(?:iam|sts)::(\d{12}):/.exec(principal)?.[1];
}

export const accountRoot = (accountId: string): string => `arn:aws:iam::${accountId}:root`;
