export {
  formatKmsArn,
  isMultiRegionArn,
  isMultiRegionKeyId,
  type KmsArn,
  mrkMatch,
  parseKmsArn,
} from './arn.js';
export {
  AwsKmsDiscoveryKeyring,
  type AwsKmsDiscoveryKeyringOptions,
  type DiscoveryFilter,
} from './aws-kms-discovery-keyring.js';
export { AwsKmsEcdhKeyring, type AwsKmsEcdhKeyringOptions } from './aws-kms-ecdh-keyring.js';
export { AwsKmsKeyring, type AwsKmsKeyringOptions } from './aws-kms-keyring.js';
export {
  AWS_KMS_RSA_PROVIDER_ID,
  AwsKmsRsaKeyring,
  type AwsKmsRsaKeyringOptions,
  type KmsRsaEncryptionAlgorithm,
} from './aws-kms-rsa-keyring.js';
export {
  type CachingClientSupplierOptions,
  type ClientSupplier,
  cachingClientSupplier,
} from './client-supplier.js';
export {
  AWS_KMS_KEYRING_TYPES,
  awsKmsAdapter,
  awsKmsDiscoveryAdapter,
  awsKmsEcdhAdapter,
  awsKmsModule,
  awsKmsRsaAdapter,
} from './container-module.js';
export { describeAwsKmsKey, MALFORMED_AWS_KEY_LOCATION } from './describe.js';
export { awsEmulatorClient, EMULATOR_CREDENTIALS } from './emulator-client.js';
export { EMULATOR_PROVIDER_ID, emulatorKeyringAdapter } from './emulator-keyring.js';
export { keyringPackage } from './keyring-package.js';
export { AWS_KMS_PROVIDER_ID } from './kms-calls.js';
export {
  DEFAULT_TOTAL_TIMEOUT_MS,
  isRetryable,
  KmsCallTimeoutError,
  type RetryOptions,
  sendWithRetry,
  withRetry,
} from './retry.js';
