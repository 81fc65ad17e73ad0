import { describeCloudMasterKey, type MasterKeyDescriber } from '@envelope/core';
import { GCP_KMS_PROVIDER_ID } from './provider-id.js';
import { parseCryptoKeyName } from './resource-names.js';

/** Shown as the location of a `gcp-kms` EDK whose provider info is not a CryptoKey name. */
export const MALFORMED_GCP_KEY_LOCATION = '(malformed: provider info is not a CryptoKey name)';

/**
 * Describes an EDK written by a Cloud KMS keyring (provider id `gcp-kms`, provider info the
 * CryptoKey name): cloud `gcp`, location `projects/<project>/locations/<location>`, key the full
 * CryptoKey name (key ring and key included). A `gcp-kms` EDK whose provider info is not a
 * CryptoKey name is described as malformed rather than refused: the header is unauthenticated
 * input and `inspect` must show it, not crash. Undefined for any other provider. Imports no SDK:
 * load it from `@envelope/gcp-kms/describe` to stay light.
 */
export const describeGcpKmsKey: MasterKeyDescriber = (edk) => {
  if (edk.providerId !== GCP_KMS_PROVIDER_ID) return undefined;
  return describeCloudMasterKey(edk, {
    cloud: 'gcp',
    malformedLocation: MALFORMED_GCP_KEY_LOCATION,
    parse(text) {
      // One character per byte, so only an all-ASCII name can match the pattern.
      const name = parseCryptoKeyName(text);
      return name && { location: `projects/${name.project}/locations/${name.location}`, key: text };
    },
  });
};
