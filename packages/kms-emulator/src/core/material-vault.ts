import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

/** Key material that could not be unwrapped: a wrong root key or tampered storage, never the caller's fault. */
export class MaterialUnavailableError extends Error {
  constructor(options?: { cause?: unknown }) {
    super('Key material could not be loaded', options);
    this.name = 'MaterialUnavailableError';
  }
}

const wrapAad = (resource: string, versionId: string): Buffer =>
  Buffer.from(`envelope-kms-emulator:material:${resource}:${versionId}`, 'utf8');

/**
 * Where key material lives at rest: encrypted under the emulator's 32-byte root key, bound to the
 * resource name and version it belongs to, so a wrapped blob cannot be moved to another key or version.
 * Wrapped form: IV (12) || ciphertext || tag (16), AES-256-GCM, AAD = resource name and version id.
 *
 * AES-GCM (key, IV): key = the root key, IV = 12 fresh random bytes per wrap. Wraps per root key stay
 * far below 2^32 (one per key version created or copied), so the random-IV collision bound of
 * NIST SP 800-38D section 8.3 holds and no (root key, IV) pair repeats.
 */
export class MaterialVault {
  readonly #rootKey: Buffer;

  constructor(rootKey: Buffer) {
    if (!Buffer.isBuffer(rootKey) || rootKey.length !== 32)
      throw new TypeError('rootKey must be a 32-byte Buffer');
    this.#rootKey = Buffer.from(rootKey);
  }

  wrap(resource: string, versionId: string, material: Buffer): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.#rootKey, iv);
    cipher.setAAD(wrapAad(resource, versionId));
    const ct = Buffer.concat([cipher.update(material), cipher.final()]);
    return Buffer.concat([iv, ct, cipher.getAuthTag()]).toString('base64');
  }

  /** The material, in a new buffer the caller zero-fills after use. */
  unwrap(resource: string, versionId: string, wrapped: string): Buffer {
    const bytes = Buffer.from(wrapped, 'base64');
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.#rootKey, bytes.subarray(0, 12));
      decipher.setAAD(wrapAad(resource, versionId));
      decipher.setAuthTag(bytes.subarray(bytes.length - 16));
      return Buffer.concat([decipher.update(bytes.subarray(12, bytes.length - 16)), decipher.final()]);
    } catch (cause) {
      throw new MaterialUnavailableError({ cause });
    }
  }

  /**
   * A 32-byte key for one purpose, derived from the root key with HKDF-SHA256 (empty salt, `label` as
   * info), so tokens and identifiers a cloud module makes never use the root key itself. The caller
   * zero-fills it after use.
   */
  deriveKey(label: string): Buffer {
    return Buffer.from(hkdfSync('sha256', this.#rootKey, Buffer.alloc(0), label, 32));
  }

  /** Zero-fills the root key; the vault cannot be used afterwards. */
  destroy(): void {
    this.#rootKey.fill(0);
  }
}
