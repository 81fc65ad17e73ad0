import {
  type DecryptionMaterials,
  type EncryptedDataKey,
  type EncryptionMaterials,
  type Keyring,
  RawAesKeyring,
} from '@envelope/core';

/**
 * Records every Buffer created through the public Buffer factories while `action` runs, so a test
 * can find each copy the code under test made of a secret and check it was zero-filled later.
 */
export async function buffersCreatedDuring<T>(
  action: () => Promise<T>,
): Promise<{ result: T; buffers: Buffer[] }> {
  const buffers: Buffer[] = [];
  const factories = ['from', 'alloc', 'allocUnsafe', 'allocUnsafeSlow', 'concat'] as const;
  const originals = factories.map((name) => [name, Buffer[name]] as const);
  for (const [name, original] of originals) {
    (Buffer as unknown as Record<string, unknown>)[name] = (...args: unknown[]) => {
      const buffer = (original as (...a: unknown[]) => Buffer).apply(Buffer, args);
      buffers.push(buffer);
      return buffer;
    };
  }
  try {
    return { result: await action(), buffers };
  } finally {
    for (const [name, original] of originals) (Buffer as unknown as Record<string, unknown>)[name] = original;
  }
}

/** The buffers among `buffers` that hold exactly `key` now (copies already zero-filled do not). */
export function copiesOf(key: Uint8Array, buffers: readonly Buffer[]): Buffer[] {
  return buffers.filter((b) => b.length === key.length && b.equals(key));
}

export const isZero = (buffer: Uint8Array) => buffer.every((byte) => byte === 0);

/**
 * A raw AES keyring that remembers, in a plain Uint8Array (not a Buffer, so not recorded above), the
 * value of every data key it generated or unwrapped, and the materials' own view of it.
 */
export class KeyWatchingKeyring implements Keyring {
  readonly description = 'key-watching';
  readonly inner = new RawAesKeyring({
    keyNamespace: 'watch',
    keyName: 'k',
    wrappingKey: new Uint8Array(32).fill(7),
  });
  /** Copies of the key values seen, for finding copies later. */
  readonly values: Uint8Array[] = [];
  /** The materials' own key buffers (views), to check that they end zero-filled. */
  readonly views: Buffer[] = [];

  async onEncrypt(materials: EncryptionMaterials) {
    await this.inner.onEncrypt(materials);
    this.#watch(materials.dataKey);
    return materials;
  }

  async onDecrypt(materials: DecryptionMaterials, edks: readonly EncryptedDataKey[]) {
    await this.inner.onDecrypt(materials, edks);
    this.#watch(materials.dataKey);
    return materials;
  }

  #watch(view: Buffer) {
    this.values.push(new Uint8Array(view));
    this.views.push(view);
  }
}
