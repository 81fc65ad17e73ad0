import {
  constants,
  createPrivateKey,
  createPublicKey,
  KeyObject,
  privateDecrypt,
  publicEncrypt,
} from 'node:crypto';
import { InvalidArgumentError, NotSupportedError } from '../errors.js';
import type { EncryptedDataKey } from '../format/encrypted-data-key.js';
import type { DecryptionMaterials, EncryptionMaterials } from '../materials/materials.js';
import { generateDataKey } from './generate-data-key.js';
import { KeyringBase } from './keyring.js';
import { assertRawKeyIdentity } from './raw-aes-keyring.js';
import { unwrapFirst } from './unwrap-first.js';

export type RsaPadding = 'oaep-sha1' | 'oaep-sha256' | 'oaep-sha384' | 'oaep-sha512' | 'pkcs1';

const OAEP_HASH: Record<Exclude<RsaPadding, 'pkcs1'>, string> = {
  'oaep-sha1': 'sha1',
  'oaep-sha256': 'sha256',
  'oaep-sha384': 'sha384',
  'oaep-sha512': 'sha512',
};

export interface RawRsaKeyringOptions {
  readonly keyNamespace: string;
  readonly keyName: string;
  /** PEM, DER-in-KeyObject, or KeyObject. Needed to encrypt. */
  readonly publicKey?: string | Buffer | KeyObject;
  /** Needed to decrypt. A private key alone also encrypts (its public half is derived). */
  readonly privateKey?: string | Buffer | KeyObject;
  readonly padding: RsaPadding;
}

/**
 * Wraps data keys with RSA under a key pair the application holds, laid out as the AWS Encryption
 * SDK's raw RSA keyring: provider id = namespace, provider info = key name, ciphertext = RSA output.
 * OAEP uses MGF1 with the same hash as the label hash, as the AWS SDKs do.
 *
 * PKCS#1 v1.5: Node 20 refuses PKCS#1 v1.5 private decryption (the Marvin attack fix), so there
 * decrypt fails with {@link NotSupportedError}; Node 22 and later decrypt it (OpenSSL's implicit
 * rejection answers a bad padding with a random key instead of an error). Prefer OAEP.
 */
export class RawRsaKeyring extends KeyringBase {
  readonly description: string;
  readonly #keyNamespace: string;
  readonly #keyName: string;
  readonly #publicKey: KeyObject | undefined;
  readonly #privateKey: KeyObject | undefined;
  readonly #padding: RsaPadding;

  constructor(options: RawRsaKeyringOptions) {
    super();
    assertRawKeyIdentity(options.keyNamespace, options.keyName);
    if (!(options.padding in OAEP_HASH) && options.padding !== 'pkcs1') {
      throw new InvalidArgumentError(
        `Unknown RSA padding '${options.padding}'; use one of ${[...Object.keys(OAEP_HASH), 'pkcs1'].join(', ')}.`,
      );
    }
    this.#privateKey = options.privateKey === undefined ? undefined : toKey(options.privateKey, 'private');
    this.#publicKey =
      options.publicKey !== undefined
        ? toKey(options.publicKey, 'public')
        : this.#privateKey && createPublicKey(this.#privateKey);
    if (!this.#publicKey && !this.#privateKey) {
      throw new InvalidArgumentError(
        `Raw RSA keyring '${options.keyName}' needs a publicKey, a privateKey or both.`,
      );
    }
    if ((this.#publicKey ?? this.#privateKey)?.asymmetricKeyType !== 'rsa') {
      throw new InvalidArgumentError(`Raw RSA keyring '${options.keyName}' was given a key that is not RSA.`);
    }
    this.#keyNamespace = options.keyNamespace;
    this.#keyName = options.keyName;
    this.#padding = options.padding;
    this.description = `raw-rsa:${options.keyNamespace}/${options.keyName}`;
  }

  #rsaOptions(key: KeyObject) {
    if (this.#padding === 'pkcs1') return { key, padding: constants.RSA_PKCS1_PADDING };
    return { key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: OAEP_HASH[this.#padding] };
  }

  protected async wrap(materials: EncryptionMaterials): Promise<void> {
    if (!this.#publicKey) {
      throw new InvalidArgumentError(`${this.description} has no public key, so it cannot encrypt.`);
    }
    if (!materials.hasDataKey) generateDataKey(materials);
    materials.addEncryptedDataKey({
      providerId: this.#keyNamespace,
      providerInfo: Buffer.from(this.#keyName, 'utf8'),
      ciphertext: publicEncrypt(this.#rsaOptions(this.#publicKey), materials.dataKey),
    });
  }

  protected async unwrap(materials: DecryptionMaterials, edks: readonly EncryptedDataKey[]): Promise<void> {
    const privateKey = this.#privateKey;
    const mine = edks.filter(
      (edk) => edk.providerId === this.#keyNamespace && edk.providerInfo.toString('utf8') === this.#keyName,
    );
    if (mine.length > 0 && !privateKey) {
      throw new InvalidArgumentError(`${this.description} has no private key, so it cannot decrypt.`);
    }
    if (!privateKey) return;
    await unwrapFirst(this.description, materials, mine, async (edk) => {
      try {
        return privateDecrypt(this.#rsaOptions(privateKey), edk.ciphertext);
      } catch (cause) {
        if (this.#padding === 'pkcs1' && (cause as { code?: string }).code === 'ERR_INVALID_ARG_VALUE') {
          throw new NotSupportedError(
            'RSA PKCS#1 v1.5 decryption is disabled in this Node.js version (Marvin attack mitigation); re-encrypt with OAEP padding.',
            { cause },
          );
        }
        throw new Error('RSA decryption of the data key failed');
      }
    });
  }
}

function toKey(key: string | Buffer | KeyObject, kind: 'public' | 'private'): KeyObject {
  if (key instanceof KeyObject) return key;
  try {
    return kind === 'public' ? createPublicKey(key) : createPrivateKey(key);
  } catch (cause) {
    throw new InvalidArgumentError(`The RSA ${kind} key could not be read as PEM or DER.`, { cause });
  }
}
