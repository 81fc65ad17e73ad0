import type { AwsResources } from './aws-resources.js';
import { keyArn } from './ids.js';
import type { KeyRecord } from './types.js';

/** Whether a key's scheduled deletion date has passed. */
export const deletionDue = (record: KeyRecord, now: number): boolean =>
  record.keyState === 'PendingDeletion' && record.deletionDate !== undefined && now >= record.deletionDate;

/** Deletes a key with its aliases and grants; other copies of a multi-Region key forget this Region. */
export function purgeKey(store: AwsResources, record: KeyRecord): void {
  store.deleteKey(record.arn);
  // Only this key's aliases and grants, found by their key term: never a scan of the Region.
  for (const alias of store.aliasesOfKey(record))
    store.deleteAlias(alias.accountId, alias.region, alias.aliasName);
  for (const grant of store.grantsOfKey(record.arn)) store.deleteGrant(grant.grantId);
  if (!record.mrk) return;
  const regions = record.mrk.regions.filter((r) => r !== record.region);
  for (const region of regions) {
    const copy = store.getKey(keyArn(region, record.accountId, record.keyId));
    if (!copy?.mrk) continue;
    copy.mrk = { ...copy.mrk, regions };
    store.putKey(copy);
  }
}
