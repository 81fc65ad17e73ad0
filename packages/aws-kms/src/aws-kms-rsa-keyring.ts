import {
  constants,
  createHash,
  createPublicKey,
  type KeyObject,
  publicEncrypt,
  timingSafeEqual,
} from 'node:crypto';
import { DecryptCommand, GetPublicKeyCommand, type KMSClient } from '@aws-sdk/client-kms';
import {
  type DecryptionMaterials,
  type EncryptedDataKey,
  type EncryptionContext,
  type EncryptionMaterials,
  generateDataKey,
  InvalidArgumentError,
  KeyringBase,
  KeyringError,
  providerInfoText,
  serializeEncryptionContext,
  unwrapFirst,
} from '@envelope/core';
import { mrkMatch, parseKmsArn } from './arn.js';
import type { ClientSupplier } from './client-supplier.js';
import { callKms } from './kms-calls.js';
import { type RetryOptions, withRetry } from './retry.js';

/** Provider id of EDKs wrapped under an AWS KMS RSA key, as the 4.x AWS Encryption SDKs write it. */
export const AWS_KMS_RSA_PROVIDER_ID = 'aws-kms-rsa';

export type KmsRsaEncryptionAlgorithm = 'RSAES_OAEP_SHA_1' | 'RSAES_OAEP_SHA_256';
const OAEP_HASH: Readonly<Record<KmsRsaEncryptionAlgorithm, string>> = {
  RSAES_OAEP_SHA_1: 'sha1',
  RSAES_OAEP_SHA_256: 'sha256',
};
const DIGEST_LENGTH = 48;

export interface AwsKmsRsaKeyringOptions {
  /** The KMS key (ARN; not an alias): an RSA_2048/3072/4096 key with usage ENCRYPT_DECRYPT. */
  readonly keyId: string;
  readonly encryptionAlgorithm: KmsRsaEncryptionAlgorithm;
  /**
   * The key's public key (PEM, DER SubjectPublicKeyInfo, or a KeyObject) to encrypt without calling
   * KMS. Without it, the first encrypt fetches it with GetPublicKey.
   */
  readonly publicKey?: string | Uint8Array | KeyObject;
  /** Needed to decrypt (KMS Decrypt), and to encrypt when no publicKey is given. */
  readonly clientSupplier?: ClientSupplier;
  readonly grantTokens?: readonly string[];
  readonly retry?: RetryOptions;
}

/**
 * The AWS KMS RSA keyring (framework/aws-kms/aws-kms-rsa-keyring.md): encrypts locally with the KMS
 * key's RSA public key (OAEP), over SHA-384(serialized encryption context) || data key, and
 * decrypts with KMS Decrypt, checking the context digest. Unsigned suites only, as the 4.x SDKs.
 */
export class AwsKmsRsaKeyring extends KeyringBase {
  readonly description: string;
  readonly #keyId: string;
  readonly #algorithm: KmsRsaEncryptionAlgorithm;
  readonly #clients: ClientSupplier | undefined;
  readonly #grantTokens: string[];
  readonly #retry: RetryOptions | undefined;
  #publicKey: Promise<KeyObject> | undefined;

  constructor(options: AwsKmsRsaKeyringOptions) {
    super();
    const arn = typeof options.keyId === 'string' ? parseKmsArn(options.keyId) : undefined;
    if (arn?.resourceType !== 'key') {
      throw new InvalidArgumentError(
        `An AWS KMS RSA keyring needs the key ARN (arn:aws:kms:region:account:key/id), not an alias or bare id; got ${JSON.stringify(options.keyId)}.`,
      );
    }
    if (!Object.hasOwn(OAEP_HASH, options.encryptionAlgorithm)) {
      throw new InvalidArgumentError(
        `encryptionAlgorithm must be RSAES_OAEP_SHA_1 or RSAES_OAEP_SHA_256; got ${JSON.stringify(options.encryptionAlgorithm)}.`,
      );
    }
    if (!options.publicKey && !options.clientSupplier) {
      throw new InvalidArgumentError('An AWS KMS RSA keyring needs a publicKey, a clientSupplier, or both.');
    }
    this.#keyId = options.keyId;
    this.#algorithm = options.encryptionAlgorithm;
    this.#clients = options.clientSupplier;
    this.#grantTokens = [...(options.grantTokens ?? [])];
    this.#retry = options.retry;
    if (options.publicKey) this.#publicKey = Promise.resolve(rsaPublicKey(options.publicKey, this.#keyId));
    this.description = `aws-kms-rsa(${this.#keyId}, ${this.#algorithm})`;
  }

  protected async wrap(materials: EncryptionMaterials): Promise<void> {
    if (materials.suite.signature) {
      throw new InvalidArgumentError(
        `${this.description} cannot be used with signed suite ${materials.suite.name}; choose a suite without ECDSA signing (e.g. 0x0478).`,
      );
    }
    this.#publicKey ??= this.#fetchPublicKey();
    const key = await this.#publicKey.catch((error: unknown) => {
      this.#publicKey = undefined; // a failed fetch is retried by the next encrypt
      throw error;
    });
    if (!materials.hasDataKey) generateDataKey(materials);
    const plaintext = Buffer.concat([contextDigest(materials.encryptionContext), materials.dataKey]);
    try {
      const ciphertext = publicEncrypt(
        { key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: OAEP_HASH[this.#algorithm] },
        plaintext,
      );
      materials.addEncryptedDataKey({
        providerId: AWS_KMS_RSA_PROVIDER_ID,
        providerInfo: Buffer.from(this.#keyId, 'utf8'),
        ciphertext,
      });
    } finally {
      plaintext.fill(0);
    }
  }

  protected async unwrap(materials: DecryptionMaterials, edks: readonly EncryptedDataKey[]): Promise<void> {
    const clients = this.#clients;
    const mine = edks.filter((edk) => {
      if (edk.providerId !== AWS_KMS_RSA_PROVIDER_ID) return false;
      const arn = parseKmsArn(providerInfoText(edk));
      if (arn?.resourceType !== 'key') {
        throw new KeyringError(
          `An ${AWS_KMS_RSA_PROVIDER_ID} encrypted data key does not name a KMS key ARN.`,
        );
      }
      return mrkMatch(this.#keyId, providerInfoText(edk));
    });
    if (mine.length > 0 && !clients) {
      throw new KeyringError(`${this.description} has no clientSupplier, so it cannot call KMS Decrypt.`);
    }
    const expected = contextDigest(materials.encryptionContext);
    await unwrapFirst(this.description, materials, mine, async (edk) => {
      const out = await callKms(clients as ClientSupplier, 'Decrypt', this.#keyId, (client) =>
        withRetry(
          () =>
            client.send(
              new DecryptCommand({
                KeyId: this.#keyId,
                CiphertextBlob: edk.ciphertext,
                EncryptionAlgorithm: this.#algorithm,
                ...(this.#grantTokens.length ? { GrantTokens: this.#grantTokens } : {}),
              }),
            ),
          this.#retry,
        ),
      );
      const plaintext = Buffer.from(out.Plaintext ?? new Uint8Array());
      out.Plaintext?.fill(0);
      try {
        if (out.KeyId !== this.#keyId) {
          throw new Error(`AWS KMS Decrypt answered for key ${out.KeyId}, not ${this.#keyId}`);
        }
        if (plaintext.length !== DIGEST_LENGTH + materials.suite.keyLength) {
          throw new Error('AWS KMS Decrypt returned a plaintext of the wrong length for this suite');
        }
        if (!timingSafeEqual(plaintext.subarray(0, DIGEST_LENGTH), expected)) {
          throw new Error('the encryption context does not match the one the data key was wrapped with');
        }
        return Buffer.from(plaintext.subarray(DIGEST_LENGTH));
      } finally {
        plaintext.fill(0);
      }
    });
  }

  /** GetPublicKey, checking KMS says the key is an RSA encryption key that allows our algorithm. */
  async #fetchPublicKey(): Promise<KeyObject> {
    const clients = this.#clients as ClientSupplier;
    const out = await callKms(clients, 'GetPublicKey', this.#keyId, (client: KMSClient) =>
      withRetry(
        () =>
          client.send(
            new GetPublicKeyCommand({
              KeyId: this.#keyId,
              ...(this.#grantTokens.length ? { GrantTokens: this.#grantTokens } : {}),
            }),
          ),
        this.#retry,
      ),
    );
    if (
      out.KeyUsage !== 'ENCRYPT_DECRYPT' ||
      !out.EncryptionAlgorithms?.includes(this.#algorithm) ||
      !out.PublicKey
    ) {
      throw new KeyringError(
        `KMS key ${this.#keyId} is not an RSA ENCRYPT_DECRYPT key allowing ${this.#algorithm} (usage ${out.KeyUsage}).`,
      );
    }
    return rsaPublicKey(out.PublicKey, this.#keyId);
  }
}

/** SHA-384 of the context serialized as the header's key-value pairs. */
function contextDigest(context: EncryptionContext): Buffer {
  return createHash('sha384').update(serializeEncryptionContext(context)).digest();
}

function rsaPublicKey(key: string | Uint8Array | KeyObject, keyId: string): KeyObject {
  let imported: KeyObject;
  try {
    imported =
      typeof key === 'string' || !(key instanceof Uint8Array)
        ? createPublicKey(key as string | KeyObject)
        : createPublicKey({ key: Buffer.from(key), format: 'der', type: 'spki' });
  } catch (cause) {
    throw new InvalidArgumentError(`The public key for ${keyId} is not a PEM or DER RSA public key.`, {
      cause,
    });
  }
  const bits = imported.asymmetricKeyDetails?.modulusLength ?? 0;
  if (imported.asymmetricKeyType !== 'rsa' || bits < 2048) {
    throw new InvalidArgumentError(`The public key for ${keyId} must be an RSA key of at least 2048 bits.`);
  }
  return imported;
}
