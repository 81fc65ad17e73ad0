import { EncryptionContextMismatchError, InvalidArgumentError } from '../errors.js';
import { RESERVED_CONTEXT_PREFIX } from '../format/encryption-context.js';
import type { Keyring } from '../keyrings/keyring.js';
import { DefaultMaterialsManager } from './default-materials-manager.js';
import type { DecryptionMaterials, EncryptionMaterials } from './materials.js';
import type {
  DecryptionMaterialsRequest,
  EncryptionMaterialsRequest,
  MaterialsManager,
} from './materials-manager.js';

export interface RequiredEncryptionContextMaterialsManagerOptions {
  /** Context keys to authenticate but leave out of every message; the reader must supply them. */
  readonly requiredEncryptionContextKeys: readonly string[];
  /** Either a keyring (wrapped in the default manager) or another materials manager. */
  readonly keyring?: Keyring;
  readonly materialsManager?: MaterialsManager;
}

/**
 * The required encryption context materials manager (framework/required-encryption-context-cmm.md):
 * on encrypt the named keys must be in the caller's context and are marked required, so the message
 * authenticates them without storing them; on decrypt the caller must reproduce them
 * (`decrypt(…, { encryptionContext })`), and a missing or different value fails.
 */
export class RequiredEncryptionContextMaterialsManager implements MaterialsManager {
  readonly requiredEncryptionContextKeys: readonly string[];
  readonly #underlying: MaterialsManager;

  constructor(options: RequiredEncryptionContextMaterialsManagerOptions) {
    if (Boolean(options.keyring) === Boolean(options.materialsManager)) {
      throw new InvalidArgumentError(
        'A required encryption context materials manager needs exactly one of keyring or materialsManager.',
      );
    }
    const keys = options.requiredEncryptionContextKeys;
    if (!Array.isArray(keys)) {
      throw new InvalidArgumentError('requiredEncryptionContextKeys must be an array of context keys.');
    }
    for (const key of keys) {
      if (typeof key !== 'string' || key.length === 0 || key.startsWith(RESERVED_CONTEXT_PREFIX)) {
        throw new InvalidArgumentError(
          `Required encryption context key ${JSON.stringify(key)} is not allowed: use a non-empty key not starting '${RESERVED_CONTEXT_PREFIX}'.`,
        );
      }
    }
    this.requiredEncryptionContextKeys = Object.freeze([...new Set(keys)]);
    this.#underlying = options.materialsManager ?? new DefaultMaterialsManager(options.keyring as Keyring);
  }

  async getEncryptionMaterials(request: EncryptionMaterialsRequest): Promise<EncryptionMaterials> {
    const missing = this.requiredEncryptionContextKeys.filter(
      (key) => !Object.hasOwn(request.encryptionContext, key),
    );
    if (missing.length > 0) {
      throw new InvalidArgumentError(
        `The encryption context lacks required key(s) ${missing.map((k) => `'${k}'`).join(', ')}; pass them in encryptionContext.`,
      );
    }
    const materials = await this.#underlying.getEncryptionMaterials(request);
    try {
      return materials.requireEncryptionContextKeys(this.requiredEncryptionContextKeys);
    } catch (error) {
      materials.zeroize();
      throw error;
    }
  }

  async getDecryptionMaterials(request: DecryptionMaterialsRequest): Promise<DecryptionMaterials> {
    const reproduced = request.reproducedEncryptionContext ?? {};
    const missing = this.requiredEncryptionContextKeys.filter((key) => !Object.hasOwn(reproduced, key));
    if (missing.length > 0) {
      throw new EncryptionContextMismatchError(
        `Decrypt needs the required encryption context key(s) ${missing.map((k) => `'${k}'`).join(', ')}: pass the pairs the message was encrypted with in encryptionContext.`,
      );
    }
    const materials = await this.#underlying.getDecryptionMaterials(request);
    const lost = this.requiredEncryptionContextKeys.filter(
      (key) => !Object.hasOwn(materials.encryptionContext, key),
    );
    if (lost.length > 0) {
      materials.zeroize();
      throw new EncryptionContextMismatchError(
        `The underlying materials manager dropped required encryption context key(s) ${lost.join(', ')}.`,
      );
    }
    return materials;
  }
}
