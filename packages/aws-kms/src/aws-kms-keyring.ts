import type { KMSClient } from '@aws-sdk/client-kms';
import {
  type DecryptionMaterials,
  type EncryptedDataKey,
  type EncryptionMaterials,
  InvalidArgumentError,
  KeyringBase,
  providerInfoText,
  unwrapFirst,
} from '@envelope/core';
import { assertKeyIdentifier, mrkMatch } from './arn.js';
import type { ClientSupplier } from './client-supplier.js';
import {
  AWS_KMS_PROVIDER_ID,
  type CallOptions,
  callKms,
  decryptDataKey,
  encryptDataKey,
  generateDataKey,
} from './kms-calls.js';
import type { RetryOptions } from './retry.js';

export interface AwsKmsKeyringOptions {
  /** Generates the data key (GenerateDataKey). Any key identifier; use ARNs to decrypt. */
  readonly generatorKeyId?: string;
  /** Each also wraps the data key (Encrypt). */
  readonly keyIds?: readonly string[];
  readonly clientSupplier: ClientSupplier;
  readonly grantTokens?: readonly string[];
  readonly retry?: RetryOptions;
  /** Provider id of the EDKs it writes and reads; default `aws-kms` (as the AWS Encryption SDK). */
  readonly providerId?: string;
}

/**
 * The strict AWS KMS keyring (framework/aws-kms/aws-kms-keyring.md), multi-Region-key aware: it
 * decrypts only EDKs whose key ARN is one of its own keys, or a replica of one of its multi-Region
 * keys, calling Decrypt with its own key id pinned and in that key's region.
 */
export class AwsKmsKeyring extends KeyringBase {
  readonly description: string;
  readonly #generator: string | undefined;
  readonly #keyIds: readonly string[];
  readonly #clients: ClientSupplier;
  readonly #call: CallOptions;

  constructor(options: AwsKmsKeyringOptions) {
    super();
    const keyIds = [...(options.keyIds ?? [])];
    if (options.generatorKeyId === undefined && keyIds.length === 0) {
      throw new InvalidArgumentError('An AWS KMS keyring needs a generatorKeyId, keyIds, or both.');
    }
    if (options.generatorKeyId !== undefined) assertKeyIdentifier(options.generatorKeyId, 'generatorKeyId');
    for (const id of keyIds) assertKeyIdentifier(id, 'keyIds entry');
    this.#generator = options.generatorKeyId;
    this.#keyIds = Object.freeze(keyIds);
    this.#clients = options.clientSupplier;
    this.#call = {
      grantTokens: options.grantTokens,
      retry: options.retry,
      providerId: options.providerId ?? AWS_KMS_PROVIDER_ID,
    };
    this.description = `aws-kms(${[this.#generator, ...keyIds].filter(Boolean).join(', ')})`;
  }

  protected async wrap(materials: EncryptionMaterials): Promise<void> {
    const ec = materials.encryptionContext;
    const wrapWith = [...this.#keyIds];
    if (!materials.hasDataKey) {
      if (!this.#generator) {
        throw new InvalidArgumentError(
          `${this.description} has no generatorKeyId, so it cannot create a data key.`,
        );
      }
      const { plaintext, edk } = await this.#kms('GenerateDataKey', this.#generator, (client) =>
        generateDataKey(client, this.#generator!, materials.suite.keyLength, ec, this.#call),
      );
      try {
        materials.setDataKey(plaintext);
      } finally {
        plaintext.fill(0);
      }
      materials.addEncryptedDataKey(edk);
    } else if (this.#generator) {
      wrapWith.unshift(this.#generator);
    }
    for (const keyId of wrapWith) {
      const edk = await this.#kms('Encrypt', keyId, (client) =>
        encryptDataKey(client, keyId, materials.dataKey, ec, this.#call),
      );
      materials.addEncryptedDataKey(edk);
    }
  }

  protected async unwrap(materials: DecryptionMaterials, edks: readonly EncryptedDataKey[]): Promise<void> {
    const candidates: Array<{ edk: EncryptedDataKey; keyId: string }> = [];
    for (const edk of edks) {
      if (edk.providerId !== this.#call.providerId) continue;
      const arn = providerInfoText(edk);
      const keyId = [this.#generator, ...this.#keyIds].find((k) => k !== undefined && mrkMatch(k, arn));
      if (keyId) candidates.push({ edk, keyId });
    }
    const byEdk = new Map(candidates.map((c) => [c.edk, c.keyId]));
    await unwrapFirst(
      this.description,
      materials,
      candidates.map((c) => c.edk),
      (edk) => {
        const keyId = byEdk.get(edk)!;
        return this.#kms('Decrypt', keyId, (client) =>
          decryptDataKey(
            client,
            keyId,
            edk,
            materials.encryptionContext,
            materials.suite.keyLength,
            this.#call,
          ),
        );
      },
    );
  }

  #kms<T>(operation: string, keyId: string, call: (client: KMSClient) => Promise<T>): Promise<T> {
    return callKms(this.#clients, operation, keyId, call);
  }
}
