import {
  type DecryptionMaterials,
  type EncryptedDataKey,
  type EncryptionMaterials,
  InvalidArgumentError,
  KeyringBase,
  providerInfoText,
  unwrapFirst,
} from '@envelope/core';
import { formatKmsArn, isMultiRegionArn, parseKmsArn } from './arn.js';
import type { ClientSupplier } from './client-supplier.js';
import { AWS_KMS_PROVIDER_ID, type CallOptions, callKms, decryptDataKey } from './kms-calls.js';
import type { RetryOptions } from './retry.js';

export interface DiscoveryFilter {
  readonly partition: string;
  readonly accountIds: readonly string[];
}

export interface AwsKmsDiscoveryKeyringOptions {
  readonly clientSupplier: ClientSupplier;
  /** Only keys in this partition and these accounts are tried. Strongly recommended. */
  readonly discoveryFilter?: DiscoveryFilter;
  /**
   * Multi-Region-key aware discovery: decrypt in this region only. A multi-Region key from another
   * region is decrypted with its replica here; single-Region keys of other regions are skipped.
   */
  readonly region?: string;
  readonly grantTokens?: readonly string[];
  readonly retry?: RetryOptions;
}

/**
 * Decrypts any AWS KMS EDK whose key the caller may use, naming no key in advance
 * (framework/aws-kms/aws-kms-discovery-keyring.md). It cannot encrypt.
 */
export class AwsKmsDiscoveryKeyring extends KeyringBase {
  readonly description: string;
  readonly #options: AwsKmsDiscoveryKeyringOptions;
  readonly #call: CallOptions;

  constructor(options: AwsKmsDiscoveryKeyringOptions) {
    super();
    const filter = options.discoveryFilter;
    if (filter && (!filter.partition || filter.accountIds.length === 0)) {
      throw new InvalidArgumentError('A discovery filter needs a partition and at least one account id.');
    }
    this.#options = options;
    this.#call = { grantTokens: options.grantTokens, retry: options.retry };
    const scope = filter ? `${filter.partition}:${filter.accountIds.join('|')}` : 'any account';
    this.description = `aws-kms-discovery(${scope}${options.region ? ` in ${options.region}` : ''})`;
  }

  protected async wrap(_materials: EncryptionMaterials): Promise<void> {
    throw new InvalidArgumentError(
      'An AWS KMS discovery keyring cannot encrypt: it names no key. Use AwsKmsKeyring to encrypt.',
    );
  }

  protected async unwrap(materials: DecryptionMaterials, edks: readonly EncryptedDataKey[]): Promise<void> {
    const keyIdFor = new Map<EncryptedDataKey, string>();
    for (const edk of edks) {
      const keyId =
        edk.providerId === AWS_KMS_PROVIDER_ID ? this.#decryptKeyId(providerInfoText(edk)) : undefined;
      if (keyId) keyIdFor.set(edk, keyId);
    }
    await unwrapFirst(this.description, materials, [...keyIdFor.keys()], (edk) => {
      const keyId = keyIdFor.get(edk)!;
      return callKms(this.#options.clientSupplier, 'Decrypt', keyId, (client) =>
        decryptDataKey(
          client,
          keyId,
          edk,
          materials.encryptionContext,
          materials.suite.keyLength,
          this.#call,
        ),
      );
    });
  }

  /** The key ARN to call Decrypt with, or undefined when the filter or region excludes the EDK. */
  #decryptKeyId(providerInfo: string): string | undefined {
    const arn = parseKmsArn(providerInfo);
    if (arn?.resourceType !== 'key') return undefined;
    const filter = this.#options.discoveryFilter;
    if (filter && (arn.partition !== filter.partition || !filter.accountIds.includes(arn.accountId)))
      return undefined;
    const region = this.#options.region;
    if (!region || arn.region === region) return providerInfo;
    return isMultiRegionArn(arn) ? formatKmsArn({ ...arn, region }) : undefined;
  }
}
