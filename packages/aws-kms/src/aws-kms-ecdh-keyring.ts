import type { KeyObject } from 'node:crypto';
import { DeriveSharedSecretCommand, GetPublicKeyCommand } from '@aws-sdk/client-kms';
import {
  compressEccPublicKey,
  type DecryptionMaterials,
  decompressEccPublicKey,
  type EcdhCurveSpec,
  type EcdhParties,
  type EncryptedDataKey,
  type EncryptionMaterials,
  ecdhUnwrapDataKey,
  ecdhWrapDataKey,
  generateDataKey,
  InvalidArgumentError,
  importEccPublicKey,
  KeyringBase,
  KeyringError,
  KMS_ECDH_PROVIDER_ID,
  RAW_ECDH_PROVIDER_ID,
  readEcdhProviderInfo,
  serializeEcdhProviderInfo,
  unwrapFirst,
} from '@envelope/core';
import { assertKeyIdentifier } from './arn.js';
import type { ClientSupplier } from './client-supplier.js';
import { callKms } from './kms-calls.js';
import { type RetryOptions, withRetry } from './retry.js';

type PublicKeyInput = Uint8Array | KeyObject;

/** framework/key-agreement-schemas.md "AWS KMS ECDH Key Agreement Schemas", named as the 4.x SDKs name them. */
export type AwsKmsEcdhKeyringOptions = {
  readonly curveSpec: EcdhCurveSpec;
  readonly clientSupplier: ClientSupplier;
  readonly grantTokens?: readonly string[];
  readonly retry?: RetryOptions;
} & (
  | {
      /** Encrypt and decrypt between our KMS key (KEY_AGREEMENT) and a peer's static public key. */
      readonly keyAgreementScheme: 'KmsPrivateKeyToStaticPublicKey';
      readonly senderKmsIdentifier: string;
      /** DER SubjectPublicKeyInfo of our KMS key; fetched with GetPublicKey when left out. */
      readonly senderPublicKey?: PublicKeyInput;
      readonly recipientPublicKey: PublicKeyInput;
    }
  | {
      /** Decrypt only: any message addressed to our KMS key, whoever sent it. */
      readonly keyAgreementScheme: 'KmsPublicKeyDiscovery';
      readonly recipientKmsIdentifier: string;
      /** DER SubjectPublicKeyInfo of our KMS key; fetched with GetPublicKey when left out. */
      readonly recipientPublicKey?: PublicKeyInput;
    }
);

/**
 * The AWS KMS ECDH keyring (framework/aws-kms/aws-kms-ecdh-keyring.md): the shared secret comes
 * from KMS DeriveSharedSecret with a KEY_AGREEMENT key whose private half never leaves KMS; the
 * derivation, provider info and wrapping are the raw ECDH keyring's, under provider id `aws-kms-ecdh`.
 */
export class AwsKmsEcdhKeyring extends KeyringBase {
  readonly description: string;
  readonly curveSpec: EcdhCurveSpec;
  readonly keyAgreementScheme: AwsKmsEcdhKeyringOptions['keyAgreementScheme'];
  /** Our KMS key: the static sender's, or the discovery recipient's. */
  readonly #kmsKeyId: string;
  readonly #peer: Buffer | undefined;
  readonly #clients: ClientSupplier;
  readonly #grantTokens: string[];
  readonly #retry: RetryOptions | undefined;
  #ownPublicKey: Promise<Buffer> | undefined;

  constructor(options: AwsKmsEcdhKeyringOptions) {
    super();
    this.curveSpec = options.curveSpec;
    this.keyAgreementScheme = options.keyAgreementScheme;
    this.#clients = options.clientSupplier;
    this.#grantTokens = [...(options.grantTokens ?? [])];
    this.#retry = options.retry;
    let own: PublicKeyInput | undefined;
    if (options.keyAgreementScheme === 'KmsPrivateKeyToStaticPublicKey') {
      this.#kmsKeyId = options.senderKmsIdentifier;
      own = options.senderPublicKey;
      this.#peer = compressEccPublicKey(
        importEccPublicKey(options.recipientPublicKey, this.curveSpec, 'recipient public key'),
      );
    } else if (options.keyAgreementScheme === 'KmsPublicKeyDiscovery') {
      this.#kmsKeyId = options.recipientKmsIdentifier;
      own = options.recipientPublicKey;
    } else {
      throw new InvalidArgumentError(
        `Unknown AWS KMS ECDH key agreement scheme ${JSON.stringify((options as { keyAgreementScheme: unknown }).keyAgreementScheme)}; use KmsPrivateKeyToStaticPublicKey or KmsPublicKeyDiscovery.`,
      );
    }
    assertKeyIdentifier(this.#kmsKeyId, 'the KMS key identifier');
    if (own) {
      this.#ownPublicKey = Promise.resolve(
        compressEccPublicKey(importEccPublicKey(own, this.curveSpec, 'KMS key public key')),
      );
    }
    this.description = `aws-kms-ecdh:${this.keyAgreementScheme}(${this.#kmsKeyId})`;
  }

  protected async wrap(materials: EncryptionMaterials): Promise<void> {
    const recipientPublicKey = this.#peer;
    if (this.keyAgreementScheme === 'KmsPublicKeyDiscovery' || !recipientPublicKey) {
      throw new InvalidArgumentError(
        `${this.description} cannot encrypt: KmsPublicKeyDiscovery has no recipient; use KmsPrivateKeyToStaticPublicKey.`,
      );
    }
    const parties: EcdhParties = { senderPublicKey: await this.#ownKey(), recipientPublicKey };
    const sharedSecret = await this.#deriveSharedSecret(recipientPublicKey);
    try {
      if (!materials.hasDataKey) generateDataKey(materials);
      const ciphertext = ecdhWrapDataKey(
        { ...parties, curve: this.curveSpec, sharedSecret, encryptionContext: materials.encryptionContext },
        materials.dataKey,
      );
      materials.addEncryptedDataKey({
        providerId: KMS_ECDH_PROVIDER_ID,
        providerInfo: serializeEcdhProviderInfo(parties),
        ciphertext,
      });
    } finally {
      sharedSecret.fill(0);
    }
  }

  protected async unwrap(materials: DecryptionMaterials, edks: readonly EncryptedDataKey[]): Promise<void> {
    const ecdh = edks.filter(
      (edk) => edk.providerId === KMS_ECDH_PROVIDER_ID || edk.providerId === RAW_ECDH_PROVIDER_ID,
    );
    if (ecdh.length === 0) return;
    const own = await this.#ownKey();
    const mine: Array<{ edk: EncryptedDataKey; parties: EcdhParties; peer: Buffer }> = [];
    for (const edk of ecdh) {
      const parties = readEcdhProviderInfo(edk.providerInfo, this.curveSpec);
      const peer = parties && this.#peerOf(parties, own);
      if (parties && peer) mine.push({ edk, parties, peer });
    }
    const byEdk = new Map(mine.map((m) => [m.edk, m]));
    await unwrapFirst(
      this.description,
      materials,
      mine.map((m) => m.edk),
      async (edk) => {
        const { parties, peer } = byEdk.get(edk) as (typeof mine)[number];
        const sharedSecret = await this.#deriveSharedSecret(peer);
        try {
          return ecdhUnwrapDataKey(
            {
              ...parties,
              curve: this.curveSpec,
              sharedSecret,
              encryptionContext: materials.encryptionContext,
            },
            edk.ciphertext,
            materials.suite.keyLength,
          );
        } finally {
          sharedSecret.fill(0);
        }
      },
    );
  }

  /** As the raw ECDH keyring: discovery needs the recipient to be us; static, the pair {us, peer}. */
  #peerOf({ senderPublicKey, recipientPublicKey }: EcdhParties, own: Buffer): Buffer | undefined {
    if (this.keyAgreementScheme === 'KmsPublicKeyDiscovery') {
      return recipientPublicKey.equals(own) ? senderPublicKey : undefined;
    }
    const peer = this.#peer as Buffer;
    if (senderPublicKey.equals(own) && recipientPublicKey.equals(peer)) return recipientPublicKey;
    if (recipientPublicKey.equals(own) && senderPublicKey.equals(peer)) return senderPublicKey;
    return undefined;
  }

  /** Z = ECDH(our KMS private key, peer), computed inside KMS. */
  async #deriveSharedSecret(peerCompressed: Buffer): Promise<Buffer> {
    const peerDer = decompressEccPublicKey(peerCompressed, this.curveSpec).export({
      format: 'der',
      type: 'spki',
    });
    const out = await callKms(this.#clients, 'DeriveSharedSecret', this.#kmsKeyId, (client) =>
      withRetry(
        () =>
          client.send(
            new DeriveSharedSecretCommand({
              KeyId: this.#kmsKeyId,
              KeyAgreementAlgorithm: 'ECDH',
              PublicKey: peerDer,
              ...(this.#grantTokens.length ? { GrantTokens: this.#grantTokens } : {}),
            }),
          ),
        this.#retry,
      ),
    );
    const secret = Buffer.from(out.SharedSecret ?? new Uint8Array());
    out.SharedSecret?.fill(0);
    if (secret.length === 0) {
      throw new KeyringError(`AWS KMS DeriveSharedSecret with ${this.#kmsKeyId} returned no shared secret.`);
    }
    return secret;
  }

  /** Our KMS key's compressed public key: configured, or GetPublicKey (KEY_AGREEMENT on our curve). */
  #ownKey(): Promise<Buffer> {
    this.#ownPublicKey ??= this.#fetchOwnKey().catch((error: unknown) => {
      this.#ownPublicKey = undefined; // retried by the next call
      throw error;
    });
    return this.#ownPublicKey;
  }

  async #fetchOwnKey(): Promise<Buffer> {
    const out = await callKms(this.#clients, 'GetPublicKey', this.#kmsKeyId, (client) =>
      withRetry(
        () =>
          client.send(
            new GetPublicKeyCommand({
              KeyId: this.#kmsKeyId,
              ...(this.#grantTokens.length ? { GrantTokens: this.#grantTokens } : {}),
            }),
          ),
        this.#retry,
      ),
    );
    if (out.KeyUsage !== 'KEY_AGREEMENT' || out.KeySpec !== this.curveSpec || !out.PublicKey) {
      throw new KeyringError(
        `KMS key ${this.#kmsKeyId} is ${out.KeySpec} with usage ${out.KeyUsage}; ${this.description} needs a KEY_AGREEMENT ${this.curveSpec} key.`,
      );
    }
    return compressEccPublicKey(importEccPublicKey(out.PublicKey, this.curveSpec, 'KMS key public key'));
  }
}
