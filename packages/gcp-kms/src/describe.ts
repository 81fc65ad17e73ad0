import { type MasterKeyDescriber, showProviderInfo } from '@envelope/core';
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
  // latin1 maps each byte to one character, so only an all-ASCII name can match the pattern.
  const text = edk.providerInfo.toString('latin1');
  const name = parseCryptoKeyName(text);
  if (!name) {
    const key = showProviderInfo(edk.providerInfo);
    return { provider: edk.providerId, cloud: 'gcp', location: MALFORMED_GCP_KEY_LOCATION, key };
  }
  const location = `projects/${name.project}/locations/${name.location}`;
  return { provider: edk.providerId, cloud: 'gcp', location, key: text };
};
