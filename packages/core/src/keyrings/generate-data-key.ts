import { randomBytes } from 'node:crypto';
import type { EncryptionMaterials } from '../materials/materials.js';

/** Sets a fresh random data key of the suite's length; the temporary copy is zero-filled. */
export function generateDataKey(materials: EncryptionMaterials): void {
  const key = randomBytes(materials.suite.keyLength);
  try {
    materials.setDataKey(key);
  } finally {
    key.fill(0);
  }
}
