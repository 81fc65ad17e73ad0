import type { EncryptionMaterials } from '../materials/materials.js';
import { randomBytesFromPool } from '../random-pool.js';

/** Sets a fresh random data key of the suite's length; the temporary copy is zero-filled. */
export function generateDataKey(materials: EncryptionMaterials): void {
  const key = randomBytesFromPool(materials.suite.keyLength);
  try {
    materials.setDataKey(key);
  } finally {
    key.fill(0);
  }
}
