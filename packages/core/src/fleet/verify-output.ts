import { once } from 'node:events';
import { PassThrough } from 'node:stream';
import { EnvelopeError, KeyringError } from '../errors.js';
import type { EncryptedDataKey } from '../format/encrypted-data-key.js';
import type { Keyring } from '../keyrings/keyring.js';
import type { DecryptionMaterials, EncryptionMaterials } from '../materials/materials.js';
import type { DecryptOptions } from '../options.js';
import { decryptMessage } from '../stream/decrypt-message.js';

/**
 * Wraps the data key of a message being written, and keeps a copy so the message can be read back
 * without asking a key service again. The copy is the caller's to zero-fill ({@link HeldDataKey.zeroize}).
 */
export class HeldDataKey implements Keyring {
  readonly description: string;
  #copy: Buffer | undefined;

  constructor(readonly inner: Keyring) {
    this.description = inner.description;
  }

  async onEncrypt(materials: EncryptionMaterials): Promise<EncryptionMaterials> {
    await this.inner.onEncrypt(materials);
    if (materials.hasDataKey) this.#copy = Buffer.from(materials.dataKey);
    return materials;
  }

  async onDecrypt(
    materials: DecryptionMaterials,
    _encryptedDataKeys: readonly EncryptedDataKey[],
  ): Promise<DecryptionMaterials> {
    if (!this.#copy) throw new KeyringError('No data key is held for reading back the new message.');
    if (!materials.hasDataKey) materials.setDataKey(this.#copy);
    return materials;
  }

  zeroize(): void {
    this.#copy?.fill(0);
    this.#copy = undefined;
  }
}

/**
 * Passes the new message through unchanged while decrypting it in the same pass with the held data
 * key: the header, its commitment, every frame's tag and the signature must verify, or the iterable
 * throws before it ends — so a writer that commits only a completed iterable never commits a message
 * that would not decrypt. Costs one more AES-GCM pass over the body and no key-service call.
 */
export async function* readBackWhileWriting(
  message: AsyncIterable<Buffer>,
  held: HeldDataKey,
  options: Pick<DecryptOptions, 'commitmentPolicy' | 'encryptionContext' | 'maxFrameLength'>,
): AsyncGenerator<Buffer> {
  const copy = new PassThrough({ highWaterMark: 1024 * 1024 });
  let failure: { error: unknown } | undefined;
  const readBack = (async () => {
    try {
      const plaintext = decryptMessage(copy, { ...options, keyring: held, maxEncryptedDataKeys: 0xffff });
      for await (const piece of plaintext) piece.fill(0);
    } catch (error) {
      failure = {
        error: new EnvelopeError(
          `The rewritten message did not read back (${(error as Error).message}); the input was left as it was.`,
          { cause: error },
        ),
      };
      copy.destroy();
    }
  })();
  try {
    for await (const chunk of message) {
      if (failure) throw failure.error;
      if (!copy.write(chunk)) await Promise.race([once(copy, 'drain'), readBack]);
      yield chunk;
    }
    copy.end();
    await readBack;
    if (failure) throw failure.error;
  } finally {
    copy.destroy();
  }
}
