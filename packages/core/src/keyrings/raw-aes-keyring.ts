import { createCipheriv, createDecipheriv, createSecretKey, type KeyObject } from 'node:crypto';
import { InvalidArgumentError } from '../errors.js';
import type { EncryptedDataKey } from '../format/encrypted-data-key.js';
import { serializeEncryptionContext } from '../format/encryption-context.js';
import type { DecryptionMaterials, EncryptionMaterials } from '../materials/materials.js';
import { randomBytesFromPool } from '../random-pool.js';
import { generateDataKey } from './generate-data-key.js';
import { KeyringBase } from './keyring.js';
import { unwrapFirst } from './unwrap-first.js';

type GcmCipher = 'aes-128-gcm' | 'aes-192-gcm' | 'aes-256-gcm';

const IV_LENGTH = 12;
const TAG_LENGTH = 16;

export interface RawAesKeyringOptions {
  /** Written as the EDK's provider id; must not start with `aws-kms`. */
  readonly keyNamespace: string;
  readonly keyName: string;
  /** 16, 24 or 32 bytes. The keyring keeps it as a KeyObject, not a Buffer. */
  readonly wrappingKey: Uint8Array | KeyObject;
}

/**
 * Wraps data keys with AES-GCM under a key the application holds, laid out as the AWS Encryption
 * SDK's raw AES keyring (framework/raw-aes-keyring.md): provider id = namespace, provider info =
 * key name || tag length in bits (4) || IV length (4) || IV, ciphertext = wrapped key || tag, and the
 * serialized encryption context as AAD.
 */
export class RawAesKeyring extends KeyringBase {
  readonly description: string;
  readonly #keyNamespace: string;
  readonly #keyName: Buffer;
  readonly #wrappingKey: KeyObject;
  readonly #cipher: GcmCipher;

  constructor(options: RawAesKeyringOptions) {
    super();
    assertRawKeyIdentity(options.keyNamespace, options.keyName);
    const key =
      options.wrappingKey instanceof Uint8Array ? createSecretKey(options.wrappingKey) : options.wrappingKey;
    const size = key.symmetricKeySize;
    if (key.type !== 'secret' || (size !== 16 && size !== 24 && size !== 32)) {
      throw new InvalidArgumentError(
        `Raw AES wrapping key for '${options.keyName}' must be 16, 24 or 32 bytes; got ${size ?? key.type}.`,
      );
    }
    this.#keyNamespace = options.keyNamespace;
    this.#keyName = Buffer.from(options.keyName, 'utf8');
    this.#wrappingKey = key;
    this.#cipher = `aes-${size * 8}-gcm` as GcmCipher;
    this.description = `raw-aes:${options.keyNamespace}/${options.keyName}`;
  }

  protected async wrap(materials: EncryptionMaterials): Promise<void> {
    if (!materials.hasDataKey) generateDataKey(materials);
    const iv = randomBytesFromPool(IV_LENGTH);
    const cipher = createCipheriv(this.#cipher, this.#wrappingKey, iv, { authTagLength: TAG_LENGTH });
    cipher.setAAD(serializeEncryptionContext(materials.encryptionContext));
    const wrapped = Buffer.concat([cipher.update(materials.dataKey), cipher.final(), cipher.getAuthTag()]);
    // Provider info: key name || tag length in bits (4) || IV length (4) || IV, in one buffer.
    const name = this.#keyName;
    const providerInfo = Buffer.allocUnsafe(name.length + 8 + IV_LENGTH);
    name.copy(providerInfo, 0);
    providerInfo.writeUInt32BE(TAG_LENGTH * 8, name.length);
    providerInfo.writeUInt32BE(IV_LENGTH, name.length + 4);
    iv.copy(providerInfo, name.length + 8);
    materials.addEncryptedDataKey({ providerId: this.#keyNamespace, providerInfo, ciphertext: wrapped });
  }

  protected async unwrap(materials: DecryptionMaterials, edks: readonly EncryptedDataKey[]): Promise<void> {
    const aad = serializeEncryptionContext(materials.encryptionContext);
    const mine = edks.filter((edk) => this.#isMine(edk, materials.suite.keyLength));
    await unwrapFirst(this.description, materials, mine, (edk) => {
      const iv = edk.providerInfo.subarray(this.#keyName.length + 8);
      const tagAt = edk.ciphertext.length - TAG_LENGTH;
      const decipher = createDecipheriv(this.#cipher, this.#wrappingKey, iv, { authTagLength: TAG_LENGTH });
      decipher.setAAD(aad);
      decipher.setAuthTag(edk.ciphertext.subarray(tagAt));
      const key = decipher.update(edk.ciphertext.subarray(0, tagAt));
      try {
        decipher.final();
      } catch {
        key.fill(0);
        throw new Error('the wrapped data key or the encryption context did not authenticate');
      }
      return key;
    });
  }

  /** Provider id, key name, and a well-formed info/ciphertext layout for this suite. */
  #isMine(edk: EncryptedDataKey, keyLength: number): boolean {
    const info = edk.providerInfo;
    const name = this.#keyName;
    return (
      edk.providerId === this.#keyNamespace &&
      info.length === name.length + 8 + IV_LENGTH &&
      info.compare(name, 0, name.length, 0, name.length) === 0 &&
      info.readUInt32BE(name.length) === TAG_LENGTH * 8 &&
      info.readUInt32BE(name.length + 4) === IV_LENGTH &&
      edk.ciphertext.length === keyLength + TAG_LENGTH
    );
  }
}

export function assertRawKeyIdentity(keyNamespace: string, keyName: string): void {
  if (!keyNamespace || !keyName) {
    throw new InvalidArgumentError('A raw keyring needs a non-empty keyNamespace and keyName.');
  }
  if (keyNamespace.startsWith('aws-kms')) {
    throw new InvalidArgumentError(
      `keyNamespace '${keyNamespace}' is reserved for AWS KMS keyrings; choose another namespace.`,
    );
  }
}
