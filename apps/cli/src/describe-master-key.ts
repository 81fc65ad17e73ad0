import { describeAwsKmsKey } from '@envelope/aws-kms/describe';
import { describeAzureKeyVaultKey } from '@envelope/azure-keyvault/describe';
import {
  describeRawMasterKey,
  type EncryptedDataKey,
  type MasterKeyDescriber,
  type MasterKeyDescription,
} from '@envelope/core';
import { describeGcpKmsKey } from '@envelope/gcp-kms/describe';

/**
 * One describer per keyring package, each from its SDK-free `/describe` subpath, so `inspect` loads
 * no cloud SDK. A provider none of them claims is shown as a raw key (namespace/name).
 */
const DESCRIBERS: readonly MasterKeyDescriber[] = [
  describeAwsKmsKey,
  describeGcpKmsKey,
  describeAzureKeyVaultKey,
];

export function describeMasterKey(edk: EncryptedDataKey): MasterKeyDescription {
  for (const describe of DESCRIBERS) {
    const description = describe(edk);
    if (description) return description;
  }
  return describeRawMasterKey(edk);
}
