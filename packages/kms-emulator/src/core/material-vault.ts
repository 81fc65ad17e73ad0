import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { runCipher } from './cipher-output.js';

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
  /**
   * How many unwrapped materials the vault keeps (32 bytes each for symmetric keys, about 1.2 KiB
   * for RSA-2048 PKCS#8; at most a few MiB for RSA-4096). Every KMS call on a key unwraps its
   * material; AES-GCM under the root key costs a cipher set-up per call, so the hot keys are kept.
   */
  static readonly MATERIAL_CACHE_ENTRIES = 1024;

  readonly #rootKey: Buffer;
  /**
   * Unwrapped material by wrapped text, least recently used first, each entry with the resource and
   * version (the AAD) it was opened for: a hit must match those too, so a blob moved to another key
   * still fails to open, and a re-wrapped or re-imported version (new text) never gets the old bytes.
   * Keyed by the wrapped text alone, as the store hands it out: V8 keeps a string's hash once
   * computed, where a key joined from the three parts was built and hashed anew on every call.
   * Entries are zero-filled when evicted and on `destroy`; callers only ever get copies.
   */
  readonly #unwrapped = new Map<string, { resource: string; versionId: string; bytes: Buffer }>();
  #destroyed = false;

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
    const cached = this.#unwrapped.get(wrapped);
    if (cached && cached.resource === resource && cached.versionId === versionId) {
      // Most recently used goes last.
      this.#unwrapped.delete(wrapped);
      this.#unwrapped.set(wrapped, cached);
      return Buffer.from(cached.bytes);
    }
    // A miss, or the same text under another resource or version: that one must open on its own
    // (and fails to, its AAD being another), leaving the cached entry as it is.
    const material = this.#open(resource, versionId, wrapped);
    if (cached) return material;
    if (this.#unwrapped.size >= MaterialVault.MATERIAL_CACHE_ENTRIES) {
      const [oldest, entry] = this.#unwrapped.entries().next().value!;
      entry.bytes.fill(0);
      this.#unwrapped.delete(oldest);
    }
    this.#unwrapped.set(wrapped, { resource, versionId, bytes: Buffer.from(material) });
    return material;
  }

  /** How many unwrapped materials are kept now (at most {@link MaterialVault.MATERIAL_CACHE_ENTRIES}). */
  get cachedMaterials(): number {
    return this.#unwrapped.size;
  }

  #open(resource: string, versionId: string, wrapped: string): Buffer {
    if (this.#destroyed) throw new MaterialUnavailableError();
    const bytes = Buffer.from(wrapped, 'base64');
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.#rootKey, bytes.subarray(0, 12));
      decipher.setAAD(wrapAad(resource, versionId));
      decipher.setAuthTag(bytes.subarray(bytes.length - 16));
      return runCipher(decipher, bytes.subarray(12, bytes.length - 16));
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

  /** Zero-fills the root key and every cached material; the vault cannot be used afterwards. */
  destroy(): void {
    this.#destroyed = true;
    this.#rootKey.fill(0);
    for (const { bytes } of this.#unwrapped.values()) bytes.fill(0);
    this.#unwrapped.clear();
  }
}
