import { diffieHellman, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { InvalidArgumentError, KeyringError } from '../errors.js';
import type { EncryptedDataKey } from '../format/encrypted-data-key.js';
import type { DecryptionMaterials, EncryptionMaterials } from '../materials/materials.js';
import {
  compressEccPublicKey,
  decompressEccPublicKey,
  type EcdhCurveSpec,
  ecdhCurve,
  importEccPrivateKey,
  importEccPublicKey,
} from './ecc-keys.js';
import {
  type EcdhParties,
  ecdhUnwrapDataKey,
  ecdhWrapDataKey,
  KMS_ECDH_PROVIDER_ID,
  parseEcdhProviderInfo,
  RAW_ECDH_PROVIDER_ID,
  readEcdhProviderInfo,
  serializeEcdhProviderInfo,
} from './ecdh-wrapping.js';
import { generateDataKey } from './generate-data-key.js';
import { KeyringBase } from './keyring.js';
import { unwrapFirst } from './unwrap-first.js';

type PrivateKeyInput = string | Uint8Array | KeyObject;
type PublicKeyInput = Uint8Array | KeyObject;

/**
 * The key agreement schemas of framework/key-agreement-schemas.md, named as the 4.x SDKs name them.
 * Private keys are PEM PKCS #8 (or KeyObjects); public keys DER SubjectPublicKeyInfo (or KeyObjects).
 */
export type RawEcdhKeyringOptions = { readonly curveSpec: EcdhCurveSpec } & (
  | {
      /** Encrypt and decrypt between two static key pairs: ours (private) and theirs (public). */
      readonly keyAgreementScheme: 'RawPrivateKeyToStaticPublicKey';
      readonly senderStaticPrivateKey: PrivateKeyInput;
      readonly recipientPublicKey: PublicKeyInput;
    }
  | {
      /** Encrypt only: a fresh sender key pair per message, to the recipient's public key. */
      readonly keyAgreementScheme: 'EphemeralPrivateKeyToStaticPublicKey';
      readonly recipientPublicKey: PublicKeyInput;
    }
  | {
      /** Decrypt only: any message addressed to this recipient key, whoever sent it. */
      readonly keyAgreementScheme: 'PublicKeyDiscovery';
      readonly recipientStaticPrivateKey: PrivateKeyInput;
    }
);

export type EcdhKeyAgreementScheme = RawEcdhKeyringOptions['keyAgreementScheme'];

/**
 * Wraps data keys under a key agreed by local ECDH (framework/raw-ecdh-keyring.md): provider id
 * `raw-ecdh`, provider info = version || recipient and sender compressed public keys, ciphertext =
 * salt || commitment key || AES-256-GCM wrapped key || tag, as the 4.x AWS Encryption SDKs write it.
 */
export class RawEcdhKeyring extends KeyringBase {
  readonly description: string;
  readonly curveSpec: EcdhCurveSpec;
  readonly keyAgreementScheme: EcdhKeyAgreementScheme;
  /** Our private key: the static sender's, or the discovery recipient's. */
  readonly #privateKey: KeyObject | undefined;
  /** The compressed public key of #privateKey. */
  readonly #ownPublicKey: Buffer | undefined;
  /** The peer's public key (the recipient's), for static and ephemeral schemas. */
  readonly #peerPublicKey: KeyObject | undefined;
  readonly #peerCompressed: Buffer | undefined;

  constructor(options: RawEcdhKeyringOptions) {
    super();
    const spec = options.curveSpec;
    ecdhCurve(spec);
    this.curveSpec = spec;
    this.keyAgreementScheme = options.keyAgreementScheme;
    switch (options.keyAgreementScheme) {
      case 'RawPrivateKeyToStaticPublicKey':
        this.#privateKey = importEccPrivateKey(
          options.senderStaticPrivateKey,
          spec,
          'sender static private key',
        );
        this.#peerPublicKey = importEccPublicKey(options.recipientPublicKey, spec, 'recipient public key');
        break;
      case 'EphemeralPrivateKeyToStaticPublicKey':
        this.#peerPublicKey = importEccPublicKey(options.recipientPublicKey, spec, 'recipient public key');
        break;
      case 'PublicKeyDiscovery':
        this.#privateKey = importEccPrivateKey(
          options.recipientStaticPrivateKey,
          spec,
          'recipient static private key',
        );
        break;
      default:
        throw new InvalidArgumentError(
          `Unknown ECDH key agreement scheme ${JSON.stringify((options as { keyAgreementScheme: unknown }).keyAgreementScheme)}; use RawPrivateKeyToStaticPublicKey, EphemeralPrivateKeyToStaticPublicKey or PublicKeyDiscovery.`,
        );
    }
    this.#ownPublicKey = this.#privateKey && compressEccPublicKey(this.#privateKey);
    this.#peerCompressed = this.#peerPublicKey && compressEccPublicKey(this.#peerPublicKey);
    const named = (this.#peerCompressed ?? this.#ownPublicKey ?? Buffer.alloc(0))
      .subarray(1, 9)
      .toString('hex');
    this.description = `raw-ecdh:${options.keyAgreementScheme}/${spec}/${named}`;
  }

  protected async wrap(materials: EncryptionMaterials): Promise<void> {
    const recipient = this.#peerPublicKey;
    const recipientPublicKey = this.#peerCompressed;
    if (this.keyAgreementScheme === 'PublicKeyDiscovery' || !recipient || !recipientPublicKey) {
      throw new InvalidArgumentError(
        `${this.description} cannot encrypt: PublicKeyDiscovery has no recipient; use RawPrivateKeyToStaticPublicKey or EphemeralPrivateKeyToStaticPublicKey.`,
      );
    }
    const sender =
      this.#privateKey ??
      generateKeyPairSync('ec', { namedCurve: ecdhCurve(this.curveSpec).openssl }).privateKey;
    const senderPublicKey = this.#ownPublicKey ?? compressEccPublicKey(sender);
    const parties: EcdhParties = { senderPublicKey, recipientPublicKey };
    if (!materials.hasDataKey) generateDataKey(materials);
    const sharedSecret = diffieHellman({ privateKey: sender, publicKey: recipient });
    try {
      const ciphertext = ecdhWrapDataKey(
        { ...parties, curve: this.curveSpec, sharedSecret, encryptionContext: materials.encryptionContext },
        materials.dataKey,
      );
      materials.addEncryptedDataKey({
        providerId: RAW_ECDH_PROVIDER_ID,
        providerInfo: serializeEcdhProviderInfo(parties),
        ciphertext,
      });
    } finally {
      sharedSecret.fill(0);
    }
  }

  protected async unwrap(materials: DecryptionMaterials, edks: readonly EncryptedDataKey[]): Promise<void> {
    const privateKey = this.#privateKey;
    const own = this.#ownPublicKey;
    if (this.keyAgreementScheme === 'EphemeralPrivateKeyToStaticPublicKey' || !privateKey || !own) {
      throw new KeyringError(
        `${this.description} cannot decrypt: an ephemeral sender keeps no private key; use PublicKeyDiscovery or RawPrivateKeyToStaticPublicKey.`,
      );
    }
    const mine = edks.filter((edk) => {
      if (edk.providerId !== RAW_ECDH_PROVIDER_ID && edk.providerId !== KMS_ECDH_PROVIDER_ID) return false;
      const parties = readEcdhProviderInfo(edk.providerInfo, this.curveSpec);
      return parties !== undefined && this.#peerOf(parties) !== undefined;
    });
    await unwrapFirst(this.description, materials, mine, async (edk) => {
      const parties = parseEcdhProviderInfo(edk.providerInfo, this.curveSpec);
      const peer = decompressEccPublicKey(this.#peerOf(parties) as Buffer, this.curveSpec);
      const sharedSecret = diffieHellman({ privateKey, publicKey: peer });
      try {
        return ecdhUnwrapDataKey(
          { ...parties, curve: this.curveSpec, sharedSecret, encryptionContext: materials.encryptionContext },
          edk.ciphertext,
          materials.suite.keyLength,
        );
      } finally {
        sharedSecret.fill(0);
      }
    });
  }

  /**
   * The other party's compressed public key when the EDK is addressed to this keyring, else undefined.
   * Discovery: the recipient must be us, any sender. Static: the pair must be {us, configured peer},
   * in either role, so both parties of a static pair can read what either wrote.
   */
  #peerOf({ senderPublicKey, recipientPublicKey }: EcdhParties): Buffer | undefined {
    const own = this.#ownPublicKey as Buffer;
    if (this.keyAgreementScheme === 'PublicKeyDiscovery') {
      return recipientPublicKey.equals(own) ? senderPublicKey : undefined;
    }
    const peer = this.#peerCompressed as Buffer;
    if (senderPublicKey.equals(own) && recipientPublicKey.equals(peer)) return recipientPublicKey;
    if (recipientPublicKey.equals(own) && senderPublicKey.equals(peer)) return senderPublicKey;
    return undefined;
  }
}
