import { DecryptionFailedError, InvalidArgumentError, NoDataKeyError } from '../errors.js';
import { masterKeyName } from '../format/encrypted-data-key.js';
import { PUBLIC_KEY_CONTEXT_KEY } from '../format/encryption-context.js';
import type { Keyring } from '../keyrings/keyring.js';
import { generateSigningKey, importVerificationKey } from '../suites/signature.js';
import { DecryptionMaterials, EncryptionMaterials } from './materials.js';
import type {
  DecryptionMaterialsRequest,
  EncryptionMaterialsRequest,
  MaterialsManager,
} from './materials-manager.js';

/**
 * The default materials manager (framework/default-cmm.md): for signed suites it makes a fresh
 * ECDSA key pair and stores the public key in the encryption context, then asks the keyring.
 */
export class DefaultMaterialsManager implements MaterialsManager {
  constructor(readonly keyring: Keyring) {}

  async getEncryptionMaterials({
    suite,
    encryptionContext,
  }: EncryptionMaterialsRequest): Promise<EncryptionMaterials> {
    let materials: EncryptionMaterials;
    if (suite.signature) {
      const { privateKey, compressedPublicKey } = await generateSigningKey(suite.signature);
      const context = {
        ...encryptionContext,
        [PUBLIC_KEY_CONTEXT_KEY]: compressedPublicKey.toString('base64'),
      };
      materials = new EncryptionMaterials(suite, Object.freeze(context), privateKey);
    } else {
      materials = new EncryptionMaterials(suite, Object.freeze({ ...encryptionContext }));
    }
    try {
      await this.keyring.onEncrypt(materials);
    } catch (error) {
      // A child keyring failing after the generator set the data key must not leave it readable.
      materials.zeroize();
      throw error;
    }
    if (!materials.hasDataKey || materials.encryptedDataKeys.length === 0) {
      materials.zeroize();
      throw new InvalidArgumentError(
        `Keyring ${this.keyring.description} produced no ${materials.hasDataKey ? 'encrypted data key' : 'data key'}; configure a generator keyring.`,
      );
    }
    return materials;
  }

  async getDecryptionMaterials({
    suite,
    encryptionContext,
    encryptedDataKeys,
  }: DecryptionMaterialsRequest): Promise<DecryptionMaterials> {
    // The context is not authenticated yet: a signing key that is missing, unexpected or malformed
    // means a damaged message (spec default-cmm.md), so it fails like any other damage, before any
    // keyring call.
    const encodedKey = encryptionContext[PUBLIC_KEY_CONTEXT_KEY];
    if ((suite.signature === undefined) !== (encodedKey === undefined)) throw new DecryptionFailedError();
    const verificationKey =
      suite.signature && encodedKey !== undefined
        ? importVerificationKey(suite.signature, strictBase64(encodedKey))
        : undefined;
    const materials = new DecryptionMaterials(suite, encryptionContext, verificationKey);
    await this.keyring.onDecrypt(materials, encryptedDataKeys);
    if (!materials.hasDataKey) {
      const providers = encryptedDataKeys.map((edk) => `${edk.providerId}:${masterKeyName(edk)}`);
      throw new NoDataKeyError(
        `Keyring ${this.keyring.description} holds none of the message's ${encryptedDataKeys.length} master key(s) (${providers.join(', ')}).`,
      );
    }
    return materials;
  }
}

/** Base64 that re-encodes to itself: `Buffer.from` would silently skip characters a flip introduced. */
function strictBase64(encoded: string): Buffer {
  const bytes = Buffer.from(encoded, 'base64');
  if (bytes.toString('base64') !== encoded) throw new DecryptionFailedError();
  return bytes;
}
