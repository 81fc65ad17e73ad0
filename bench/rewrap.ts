import { randomBytes } from 'node:crypto';
import {
  DEFAULT_FRAME_LENGTH,
  type DecryptionMaterials,
  decrypt,
  type EncryptedDataKey,
  type EncryptionMaterials,
  encrypt,
  type Keyring,
  RawAesKeyring,
  type RewrapMode,
  rewrap,
  SuiteId,
} from '@envelope/core';
import { rawGcm } from './baselines.js';
import { mbPerSecond, medianMs, table } from './measure.js';

const MiB = 1024 * 1024;

/** A raw AES keyring that counts its wraps and unwraps (what a KMS keyring would call the KMS for). */
class CountingKeyring implements Keyring {
  readonly description: string;
  readonly #inner: RawAesKeyring;
  wraps = 0;
  unwraps = 0;
  constructor(name: string) {
    this.#inner = new RawAesKeyring({ keyNamespace: 'bench', keyName: name, wrappingKey: randomBytes(32) });
    this.description = this.#inner.description;
  }
  async onEncrypt(materials: EncryptionMaterials) {
    this.wraps++;
    return this.#inner.onEncrypt(materials);
  }
  async onDecrypt(materials: DecryptionMaterials, edks: readonly EncryptedDataKey[]) {
    this.unwraps++;
    return this.#inner.onDecrypt(materials, edks);
  }
}

/**
 * Rewrap of a 64 MiB message against, in the same run, decrypt followed by encrypt (what a rewrap
 * must at least do) and raw AES-GCM decrypt + encrypt of the same frames (the floor).
 */
export async function rewrapBench(): Promise<string> {
  const plaintext = randomBytes(64 * MiB);
  const gcm = rawGcm(DEFAULT_FRAME_LENGTH);
  const rawCiphertext = gcm.encrypt(plaintext);
  const rawMs = await medianMs(() => gcm.encrypt(gcm.decrypt(rawCiphertext)), 3);
  const rows: (string | number)[][] = [];
  for (const suiteId of [
    SuiteId.AES_256_GCM_HKDF_SHA512_COMMIT_KEY,
    SuiteId.AES_256_GCM_HKDF_SHA512_COMMIT_KEY_ECDSA_P384,
  ]) {
    const east = new CountingKeyring('east');
    const west = new CountingKeyring('west');
    const { ciphertext } = await encrypt(plaintext, { keyring: east, suiteId });
    const roundTripMs = await medianMs(async () => {
      const { plaintext: p } = await decrypt(ciphertext, { keyring: east });
      await encrypt(p, { keyring: west, suiteId });
    }, 3);
    const modes: RewrapMode[] =
      suiteId === SuiteId.AES_256_GCM_HKDF_SHA512_COMMIT_KEY ? ['add', 'replace'] : ['replace'];
    for (const mode of modes) {
      east.unwraps = west.wraps = 0;
      const ms = await medianMs(() => rewrap(ciphertext, { keyring: east, newKeyring: west, mode }), 3);
      const runs = 4; // one warm-up and three timed runs
      rows.push([
        `0x0${suiteId.toString(16)} ${mode}`,
        mbPerSecond(plaintext.length, ms),
        mbPerSecond(plaintext.length, roundTripMs),
        mbPerSecond(plaintext.length, rawMs),
        `${(roundTripMs / ms).toFixed(2)}×`,
        `${((100 * rawMs) / ms).toFixed(0)}%`,
        `${east.unwraps / runs} unwrap + ${west.wraps / runs} wrap`,
      ]);
    }
  }
  return table(
    [
      'suite, mode',
      'rewrap MB/s',
      'decrypt+encrypt MB/s',
      'raw GCM dec+enc MB/s',
      'vs decrypt+encrypt',
      'vs raw GCM',
      'keyring calls per message',
    ],
    rows,
  );
}
