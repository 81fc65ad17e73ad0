import { type EncryptedDataKey, masterKeyName } from '../format/encrypted-data-key.js';

/**
 * Where the master key of one encrypted data key lives, for `envelope inspect`: read from the
 * (unauthenticated) header, so a display, not a proof. Never holds key bytes.
 */
export interface MasterKeyDescription {
  /** The EDK's provider id (`aws-kms`, `gcp-kms`, `azure-kv`, a raw key namespace …). */
  readonly provider: string;
  /** `aws`, `gcp`, `azure`, or `local` for keys the application holds (raw keyrings). */
  readonly cloud: string;
  /** AWS region, GCP `projects/p/locations/l`, Azure vault host, or `namespace/name` for raw keys. */
  readonly location: string;
  /** The key as the provider names it (ARN, CryptoKey name, versioned key id, key name). */
  readonly key: string;
}

/**
 * Each keyring package exports one (from a subpath that loads no cloud SDK): it describes the EDKs
 * its keyring writes and returns undefined for any other.
 */
export type MasterKeyDescriber = (
  edk: Pick<EncryptedDataKey, 'providerId' | 'providerInfo'>,
) => MasterKeyDescription | undefined;

/** Raw keyrings (and anything no describer claims): the key namespace and name. */
export function describeRawMasterKey(edk: EncryptedDataKey): MasterKeyDescription {
  const key = masterKeyName(edk);
  return { provider: edk.providerId, cloud: 'local', location: `${edk.providerId}/${key}`, key };
}

/** At most this many bytes of malformed provider info are shown: the field may hold 64 KiB. */
const SHOWN_PROVIDER_INFO_BYTES = 256;

/**
 * Provider info a describer cannot parse, for display: printable ASCII as text, anything else as
 * `hex:…`, cut at 256 bytes with the full length noted. The header is unauthenticated input, so
 * `inspect` shows a malformed value rather than refusing the message.
 */
export function showProviderInfo(providerInfo: Uint8Array): string {
  const bytes = Buffer.from(providerInfo.buffer, providerInfo.byteOffset, providerInfo.byteLength);
  const shown = bytes.subarray(0, SHOWN_PROVIDER_INFO_BYTES);
  const text = shown.toString('latin1');
  const body = /^[\x20-\x7e]*$/.test(text) ? text : `hex:${shown.toString('hex')}`;
  return bytes.length > SHOWN_PROVIDER_INFO_BYTES ? `${body}… (${bytes.length} bytes)` : body;
}

/** How a cloud keyring package reads its own provider info, for {@link describeCloudMasterKey}. */
export interface CloudMasterKeyFormat {
  /** `aws`, `gcp`, `azure`. */
  readonly cloud: string;
  /** Shown as the location of provider info that `parse` refuses: `(malformed: provider info is not …)`. */
  readonly malformedLocation: string;
  /** The provider info read as latin1 (one character per byte) → its location and key, or undefined if malformed. */
  parse(text: string): { readonly location: string; readonly key: string } | undefined;
}

/**
 * Describes an EDK of a cloud keyring package's own provider. Provider info that `format.parse`
 * refuses is described as malformed ({@link showProviderInfo}: at most 256 bytes of it) rather than
 * refused: the header is unauthenticated input, and `inspect` shows it as what it claims to be.
 */
export function describeCloudMasterKey(
  edk: Pick<EncryptedDataKey, 'providerId' | 'providerInfo'>,
  format: CloudMasterKeyFormat,
): MasterKeyDescription {
  const { providerId: provider, providerInfo } = edk;
  const text = Buffer.from(providerInfo.buffer, providerInfo.byteOffset, providerInfo.byteLength).toString(
    'latin1',
  );
  const parsed = format.parse(text);
  if (!parsed) {
    return {
      provider,
      cloud: format.cloud,
      location: format.malformedLocation,
      key: showProviderInfo(providerInfo),
    };
  }
  return { provider, cloud: format.cloud, location: parsed.location, key: parsed.key };
}
