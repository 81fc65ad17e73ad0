import type { KeyringPackage } from '@envelope/core';
import { AWS_KMS_KEYRING_TYPES, awsKmsModule } from './container-module.js';
import { awsEmulatorClient } from './emulator-client.js';

/** What `@envelope/config` loads when a config names an AWS KMS keyring type. */
export const keyringPackage: KeyringPackage = {
  name: '@envelope/aws-kms',
  types: AWS_KMS_KEYRING_TYPES,
  containerModule: awsKmsModule,
  emulatorClient: awsEmulatorClient,
};
