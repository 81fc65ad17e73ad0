import { MaterialVault } from '../core/index.js';
import type { KeyRecord } from './types.js';

export type RootKeyProbe = 'matches' | 'does-not-match' | 'no-key-material';

/**
 * Whether `rootKey` opens stored key material: the only proof a candidate root key is the one the
 * data was written under when nothing else records it (a database restored without its check file).
 * Unwrapping is authenticated (AES-GCM tag), so a wrong key cannot pass. It only decrypts, with the
 * IV stored beside each wrapped blob; it encrypts nothing, so it uses up no (key, IV) pair.
 */
export function probeRootKey(rootKey: Buffer, keys: Iterable<KeyRecord>): RootKeyProbe {
  const vault = new MaterialVault(rootKey);
  try {
    return probe(vault, keys);
  } finally {
    vault.destroy();
  }
}

function probe(vault: MaterialVault, keys: Iterable<KeyRecord>): RootKeyProbe {
  for (const key of keys) {
    const version = key.versions[0];
    if (!version) continue; // PendingImport keys hold no material yet
    try {
      vault.unwrap(key.arn, version.versionId, version.wrappedMaterial).fill(0);
      return 'matches';
    } catch {
      return 'does-not-match';
    }
  }
  return 'no-key-material';
}
