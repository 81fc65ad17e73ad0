import type { EncryptedDataKey } from '../format/encrypted-data-key.js';
import type { Keyring } from '../keyrings/keyring.js';
import { type DecryptionMaterials, EncryptionMaterials } from '../materials/materials.js';
import { masterKeyId } from './master-keys.js';

/**
 * A keyring that wraps under several master keys, of which only some are wanted: it wraps on a
 * scratch copy of the materials and adds only the wanted keys' encrypted data keys, so a message
 * never carries the same master key twice. (The unwanted wraps still cost their calls: configure one
 * keyring per master key to pay one wrap per added key.)
 */
export class OnlyMasterKeys implements Keyring {
  readonly description: string;
  constructor(
    readonly inner: Keyring,
    readonly wanted: ReadonlySet<string>,
  ) {
    this.description = inner.description;
  }

  async onEncrypt(materials: EncryptionMaterials): Promise<EncryptionMaterials> {
    const scratch = new EncryptionMaterials(materials.suite, materials.encryptionContext);
    try {
      scratch.setDataKey(materials.dataKey);
      await this.inner.onEncrypt(scratch);
      for (const edk of scratch.encryptedDataKeys) {
        if (this.wanted.has(masterKeyId(edk))) materials.addEncryptedDataKey(edk);
      }
      return materials;
    } finally {
      scratch.zeroize();
    }
  }

  onDecrypt(materials: DecryptionMaterials, edks: readonly EncryptedDataKey[]): Promise<DecryptionMaterials> {
    return this.inner.onDecrypt(materials, edks);
  }
}
