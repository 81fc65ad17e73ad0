import type { EncryptedDataKey } from '../format/encrypted-data-key.js';
import type { EncryptionContext } from '../format/encryption-context.js';
import type { AlgorithmSuite } from '../suites/algorithm-suites.js';
import type { DecryptionMaterials, EncryptionMaterials } from './materials.js';

export interface EncryptionMaterialsRequest {
  readonly suite: AlgorithmSuite;
  readonly encryptionContext: EncryptionContext;
  /** Known plaintext length, when the caller knows it (lets caching managers account bytes). */
  readonly plaintextLength?: number;
}

export interface DecryptionMaterialsRequest {
  readonly suite: AlgorithmSuite;
  readonly encryptionContext: EncryptionContext;
  readonly encryptedDataKeys: readonly EncryptedDataKey[];
  /**
   * The pairs the caller supplied again on decrypt (the 4.x SDKs' `encryptionContext` on decrypt):
   * each must agree with the message; those it does not store become required encryption context.
   */
  readonly reproducedEncryptionContext?: EncryptionContext;
}

/** Assembles the materials for one message: the default one asks a keyring; a caching one reuses them. */
export interface MaterialsManager {
  getEncryptionMaterials(request: EncryptionMaterialsRequest): Promise<EncryptionMaterials>;
  getDecryptionMaterials(request: DecryptionMaterialsRequest): Promise<DecryptionMaterials>;
}
