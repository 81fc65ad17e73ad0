import type { ResourcePage, ResourceStore } from '../core/index.js';
import { aliasArn, keyArn } from './ids.js';
import type { AliasRecord, GrantRecord, KeyRecord } from './types.js';

/** Resource kinds of the AWS model in the shared store. */
export const AWS_KINDS = { key: 'aws.key', alias: 'aws.alias', grant: 'aws.grant' } as const;

/** Every key ARN of one account and region starts with this. */
export const keyArnPrefix = (region: string, accountId: string): string =>
  `arn:aws:kms:${region}:${accountId}:key/`;
/** Every alias ARN of one account and region starts with this. */
export const aliasArnPrefix = (region: string, accountId: string): string =>
  `arn:aws:kms:${region}:${accountId}:alias/`;

/** The lookup terms a record is filed under. */
export const aliasTerms = (a: AliasRecord): string[] => [
  `key:${keyArn(a.region, a.accountId, a.targetKeyId)}`,
];
/** ListRetirableGrants is per account and Region (the key's), so its term carries both. */
export const retiringTerm = (region: string, accountId: string, principal: string): string =>
  `retiring:${region}:${accountId}:${principal}`;
export const grantTerms = (g: GrantRecord): string[] => {
  const key = parseKeyArn(g.keyArn);
  return [
    `key:${g.keyArn}`,
    ...(g.retiringPrincipal ? [retiringTerm(key.region, key.accountId, g.retiringPrincipal)] : []),
  ];
};

function parseKeyArn(arn: string): { region: string; accountId: string } {
  const [, , , region = '', accountId = ''] = arn.split(':');
  return { region, accountId };
}

/**
 * The AWS model's view of the shared `ResourceStore`: keys named by key ARN (`aws.key`), aliases by
 * alias ARN with a term for their target key (`aws.alias`), grants by grant id with terms for their
 * key and retiring principal (`aws.grant`). Every listing is one keyset page of the store.
 */
export class AwsResources {
  constructor(readonly store: ResourceStore) {}

  getKey(arn: string): KeyRecord | undefined {
    return this.store.get(AWS_KINDS.key, arn);
  }
  putKey(record: KeyRecord): void {
    this.store.put(AWS_KINDS.key, record.arn, record);
  }
  deleteKey(arn: string): void {
    this.store.delete(AWS_KINDS.key, arn);
  }
  /** One page of the keys of an account in a region, in key ARN order. */
  listKeys(
    region: string,
    accountId: string,
    after: string | undefined,
    limit: number,
  ): ResourcePage<KeyRecord> {
    return this.store.list(AWS_KINDS.key, { prefix: keyArnPrefix(region, accountId), ...at(after), limit });
  }

  getAlias(accountId: string, region: string, aliasName: string): AliasRecord | undefined {
    return this.store.get(AWS_KINDS.alias, aliasArn(region, accountId, aliasName));
  }
  putAlias(record: AliasRecord): void {
    this.store.put(AWS_KINDS.alias, record.aliasArn, record, aliasTerms(record));
  }
  deleteAlias(accountId: string, region: string, aliasName: string): void {
    this.store.delete(AWS_KINDS.alias, aliasArn(region, accountId, aliasName));
  }
  /** One page of the aliases of an account in a region (of one key when `targetKeyArn` is set). */
  listAliases(
    region: string,
    accountId: string,
    targetKeyArn: string | undefined,
    after: string | undefined,
    limit: number,
  ): ResourcePage<AliasRecord> {
    return this.store.list(AWS_KINDS.alias, {
      prefix: aliasArnPrefix(region, accountId),
      ...(targetKeyArn !== undefined ? { term: `key:${targetKeyArn}` } : {}),
      ...at(after),
      limit,
    });
  }

  getGrant(grantId: string): GrantRecord | undefined {
    return this.store.get(AWS_KINDS.grant, grantId);
  }
  putGrant(record: GrantRecord): void {
    this.store.put(AWS_KINDS.grant, record.grantId, record, grantTerms(record));
  }
  deleteGrant(grantId: string): void {
    this.store.delete(AWS_KINDS.grant, grantId);
  }
  /** One page of the grants on a key, in grant id order. */
  listGrants(keyArn: string, after: string | undefined, limit: number): ResourcePage<GrantRecord> {
    return this.store.list(AWS_KINDS.grant, { term: `key:${keyArn}`, ...at(after), limit });
  }
  /** One page of the grants on keys of one account and Region a principal may retire, by grant id. */
  listRetirableGrants(
    region: string,
    accountId: string,
    principal: string,
    after: string | undefined,
    limit: number,
  ): ResourcePage<GrantRecord> {
    const term = retiringTerm(region, accountId, principal);
    return this.store.list(AWS_KINDS.grant, { term, ...at(after), limit });
  }

  /** Every grant on one key (bounded by that key's grants: AWS allows 50,000 per key). */
  grantsOfKey(keyArn: string): GrantRecord[] {
    return drain((after) => this.listGrants(keyArn, after, 1000));
  }
  /** Every alias that points at one key. */
  aliasesOfKey(record: KeyRecord): AliasRecord[] {
    return drain((after) => this.listAliases(record.region, record.accountId, record.arn, after, 1000));
  }
}

const at = (after: string | undefined) => (after !== undefined ? { after } : {});

function drain<T>(page: (after: string | undefined) => ResourcePage<T>): T[] {
  const out: T[] = [];
  let after: string | undefined;
  do {
    const p = page(after);
    out.push(...p.records);
    after = p.next;
  } while (after !== undefined);
  return out;
}
