import { keyArn } from './ids.js';
import {
  encryptionAlgorithmsFor,
  keyAgreementAlgorithmsFor,
  macAlgorithmsFor,
  signingAlgorithmsFor,
} from './key-specs.js';
import type { KeyRecord } from './types.js';

/** The DescribeKey `KeyMetadata` shape. Dates are `Date`s; transports encode them. */
export function keyMetadata(record: KeyRecord): Record<string, unknown> {
  const meta: Record<string, unknown> = {
    AWSAccountId: record.accountId,
    KeyId: record.keyId,
    Arn: record.arn,
    CreationDate: new Date(record.creationDate),
    Enabled: record.keyState === 'Enabled',
    Description: record.description,
    KeyUsage: record.keyUsage,
    KeyState: record.keyState,
    Origin: record.origin ?? 'AWS_KMS',
    KeyManager: 'CUSTOMER',
    CustomerMasterKeySpec: record.keySpec,
    KeySpec: record.keySpec,
    MultiRegion: record.multiRegion,
  };
  if (record.imported && record.versions.length > 0) {
    meta.ExpirationModel = record.imported.expirationModel;
    if (record.imported.validTo !== undefined) meta.ValidTo = new Date(record.imported.validTo);
  }
  if (record.deletionDate !== undefined) meta.DeletionDate = new Date(record.deletionDate);
  if (record.pendingWindowDays !== undefined) meta.PendingDeletionWindowInDays = record.pendingWindowDays;
  const enc = encryptionAlgorithmsFor(record.keySpec, record.keyUsage);
  if (enc) meta.EncryptionAlgorithms = enc;
  const sig = signingAlgorithmsFor(record.keySpec, record.keyUsage);
  if (sig) meta.SigningAlgorithms = sig;
  const mac = macAlgorithmsFor(record.keySpec);
  if (mac) meta.MacAlgorithms = mac;
  const agreement = keyAgreementAlgorithmsFor(record.keyUsage);
  if (agreement) meta.KeyAgreementAlgorithms = agreement;
  if (record.mrk) {
    const arnIn = (region: string) => ({
      Arn: keyArn(region, record.accountId, record.keyId),
      Region: region,
    });
    meta.MultiRegionConfiguration = {
      MultiRegionKeyType: record.mrk.primaryRegion === record.region ? 'PRIMARY' : 'REPLICA',
      PrimaryKey: arnIn(record.mrk.primaryRegion),
      ReplicaKeys: record.mrk.regions.filter((r) => r !== record.mrk!.primaryRegion).map(arnIn),
    };
  }
  return meta;
}
