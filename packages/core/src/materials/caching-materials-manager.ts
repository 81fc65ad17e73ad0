import { createHash, type KeyObject, randomUUID } from 'node:crypto';
import { InvalidArgumentError } from '../errors.js';
import type { EncryptedDataKey } from '../format/encrypted-data-key.js';
import {
  type EncryptionContext,
  hasLoneSurrogate,
  serializeEncryptionContext,
} from '../format/encryption-context.js';
import type { Keyring } from '../keyrings/keyring.js';
import { DefaultMaterialsManager } from './default-materials-manager.js';
import { DecryptionMaterials, EncryptionMaterials, type SkippedMasterKey } from './materials.js';
import type {
  DecryptionMaterialsRequest,
  EncryptionMaterialsRequest,
  MaterialsManager,
} from './materials-manager.js';
import { reproduceEncryptionContext } from './required-encryption-context.js';

export interface CachingMaterialsManagerOptions {
  /** Where fresh materials come from: a keyring (wrapped in the default manager) or a manager. */
  readonly keyring?: Keyring;
  readonly materialsManager?: MaterialsManager;
  /** A cached data key is not used after this many milliseconds. Required. */
  readonly maxAgeMs: number;
  /** ... nor for more than this many messages. Default 2^32. */
  readonly maxMessagesEncrypted?: number;
  /** ... nor for more than this many plaintext bytes in all. Default 2^53 - 1. */
  readonly maxBytesEncrypted?: number;
  /** Most entries kept (least recently used evicted). Default 1000. */
  readonly capacity?: number;
  /** Separates managers sharing nothing; default a random id. */
  readonly partition?: string;
  readonly now?: () => number;
}

/** What every entry has: its own copy of the data key, and the timer that zero-fills it at expiry. */
interface Expiring {
  readonly dataKey: Buffer;
  readonly createdAt: number;
  expiry?: NodeJS.Timeout;
}

interface EncryptEntry extends Expiring {
  readonly kind: 'encrypt';
  readonly encryptionContext: EncryptionContext;
  readonly encryptedDataKeys: readonly EncryptedDataKey[];
  readonly skippedMasterKeys: readonly SkippedMasterKey[];
  readonly signingKey: KeyObject | undefined;
  /** Pairs the source marked required (authenticated, not stored): every message keeps them so. */
  readonly requiredEncryptionContextKeys: readonly string[];
  messages: number;
  bytes: number;
}

interface DecryptEntry extends Expiring {
  readonly kind: 'decrypt';
  readonly verificationKey: KeyObject | undefined;
}

/** Longest delay `setTimeout` honours; longer ages are waited out in steps. */
const MAX_TIMER_DELAY = 2 ** 31 - 1;

/**
 * Reuses data keys across messages to cut key-management calls (framework/caching-cmm.md), bounded
 * by age, messages and bytes per data key, and by entry count (LRU). Concurrent encrypts that miss
 * the cache for the same context share one request for fresh materials. Encrypt requests without a
 * known `plaintextLength` bypass the cache, since their bytes could not be accounted. A data key is
 * zero-filled when its entry expires (an unref'd timer: it never keeps the process alive), is
 * evicted, or is cleared.
 */
export class CachingMaterialsManager implements MaterialsManager {
  readonly #source: MaterialsManager;
  readonly #entries = new Map<string, EncryptEntry | DecryptEntry>();
  readonly #inflight = new Map<string, Promise<EncryptEntry>>();
  readonly #maxAge: number;
  readonly #maxMessages: number;
  readonly #maxBytes: number;
  readonly #capacity: number;
  readonly #partition: string;
  readonly #now: () => number;

  constructor(options: CachingMaterialsManagerOptions) {
    if (!!options.keyring === !!options.materialsManager) {
      throw new InvalidArgumentError(
        'A caching materials manager needs exactly one of keyring or materialsManager.',
      );
    }
    this.#source = options.materialsManager ?? new DefaultMaterialsManager(options.keyring!);
    this.#maxAge = bound('maxAgeMs', options.maxAgeMs, Number.MAX_SAFE_INTEGER);
    this.#maxMessages = bound('maxMessagesEncrypted', options.maxMessagesEncrypted ?? 2 ** 32, 2 ** 32);
    this.#maxBytes = bound(
      'maxBytesEncrypted',
      options.maxBytesEncrypted ?? Number.MAX_SAFE_INTEGER,
      Number.MAX_SAFE_INTEGER,
    );
    this.#capacity = bound('capacity', options.capacity ?? 1000, 2 ** 31);
    this.#partition = options.partition ?? randomUUID();
    if (hasLoneSurrogate(this.#partition)) {
      // As UTF-8 it would be the same bytes as other partitions that differ only in lone surrogates.
      throw new InvalidArgumentError(
        `partition ${JSON.stringify(this.#partition)} is not well-formed Unicode (it has a lone UTF-16 surrogate); repair the string, e.g. with String.prototype.toWellFormed().`,
      );
    }
    this.#now = options.now ?? Date.now;
  }

  /** Number of cached entries (for tests and metrics). */
  get size(): number {
    return this.#entries.size;
  }

  async getEncryptionMaterials(request: EncryptionMaterialsRequest): Promise<EncryptionMaterials> {
    const length = request.plaintextLength;
    if (length === undefined || length > this.#maxBytes) return this.#source.getEncryptionMaterials(request);
    const id = this.#id('e', request.suite.id, serializeEncryptionContext(request.encryptionContext));
    for (;;) {
      const entry = this.#get(id);
      if (entry?.kind === 'encrypt') {
        if (entry.messages + 1 <= this.#maxMessages && entry.bytes + length <= this.#maxBytes) {
          entry.messages++;
          entry.bytes += length;
          return this.#encryptionMaterials(request, entry);
        }
        this.#evict(id);
      }
      // Cold: one request for fresh materials serves every concurrent caller for this context.
      let pending = this.#inflight.get(id);
      if (!pending) {
        pending = this.#fetchEncrypt(id, request).finally(() => this.#inflight.delete(id));
        this.#inflight.set(id, pending);
      }
      await pending;
    }
  }

  async getDecryptionMaterials(request: DecryptionMaterialsRequest): Promise<DecryptionMaterials> {
    const edkDigests = request.encryptedDataKeys
      .map((edk) => digest(Buffer.from(edk.providerId), edk.providerInfo, edk.ciphertext))
      .sort(Buffer.compare);
    const id = this.#id(
      'd',
      request.suite.id,
      serializeEncryptionContext(request.encryptionContext),
      ...edkDigests,
    );
    const entry = this.#get(id);
    if (entry?.kind === 'decrypt') {
      // As the default manager does: reproduced pairs the message does not store become required,
      // so the header tag still authenticates them on a cache hit.
      const { encryptionContext, requiredKeys } = reproduceEncryptionContext(
        request.encryptionContext,
        request.reproducedEncryptionContext,
      );
      return new DecryptionMaterials(request.suite, encryptionContext, entry.verificationKey)
        .setDataKey(entry.dataKey)
        .requireEncryptionContextKeys(requiredKeys);
    }
    const fresh = await this.#source.getDecryptionMaterials(request);
    this.#put(id, {
      kind: 'decrypt',
      dataKey: Buffer.from(fresh.dataKey),
      verificationKey: fresh.verificationKey,
      createdAt: this.#now(),
    });
    return fresh;
  }

  /** Zero-fills and drops every cached data key. */
  clear(): void {
    for (const id of [...this.#entries.keys()]) this.#evict(id);
  }

  async #fetchEncrypt(id: string, request: EncryptionMaterialsRequest): Promise<EncryptEntry> {
    const fresh = await this.#source.getEncryptionMaterials(request);
    try {
      const entry: EncryptEntry = {
        kind: 'encrypt',
        dataKey: Buffer.from(fresh.dataKey),
        encryptionContext: fresh.encryptionContext,
        encryptedDataKeys: fresh.encryptedDataKeys,
        skippedMasterKeys: fresh.skippedMasterKeys,
        signingKey: fresh.signingKey,
        requiredEncryptionContextKeys: fresh.requiredEncryptionContextKeys,
        createdAt: this.#now(),
        messages: 0,
        bytes: 0,
      };
      this.#put(id, entry);
      return entry;
    } finally {
      fresh.zeroize();
    }
  }

  #encryptionMaterials(request: EncryptionMaterialsRequest, entry: EncryptEntry): EncryptionMaterials {
    const materials = new EncryptionMaterials(request.suite, entry.encryptionContext, entry.signingKey);
    materials.setDataKey(entry.dataKey);
    for (const edk of entry.encryptedDataKeys) materials.addEncryptedDataKey(edk);
    for (const skipped of entry.skippedMasterKeys) materials.recordSkippedMasterKey(skipped);
    return materials.requireEncryptionContextKeys(entry.requiredEncryptionContextKeys);
  }

  #id(kind: string, suiteId: number, ...parts: Buffer[]): string {
    return digest(Buffer.from(`${this.#partition}\0${kind}\0${suiteId}`), ...parts).toString('base64');
  }

  #get(id: string): EncryptEntry | DecryptEntry | undefined {
    const entry = this.#entries.get(id);
    if (!entry) return undefined;
    if (this.#now() - entry.createdAt >= this.#maxAge) {
      this.#evict(id);
      return undefined;
    }
    this.#entries.delete(id); // re-insert: Map order is the LRU order
    this.#entries.set(id, entry);
    return entry;
  }

  #put(id: string, entry: EncryptEntry | DecryptEntry): void {
    this.#evict(id);
    this.#entries.set(id, entry);
    this.#expireLater(id, entry, this.#maxAge);
    while (this.#entries.size > this.#capacity) this.#evict(this.#entries.keys().next().value!);
  }

  /** Evicts the entry once it is `maxAgeMs` old (by the `now` clock), whether or not it is used again. */
  #expireLater(id: string, entry: Expiring, delay: number): void {
    entry.expiry = setTimeout(
      () => {
        if (this.#entries.get(id) !== entry) return;
        const left = this.#maxAge - (this.#now() - entry.createdAt);
        if (left > 0) this.#expireLater(id, entry, left);
        else this.#evict(id);
      },
      Math.min(delay, MAX_TIMER_DELAY),
    );
    entry.expiry.unref();
  }

  #evict(id: string): void {
    const entry = this.#entries.get(id);
    if (!entry) return;
    clearTimeout(entry.expiry);
    entry.dataKey.fill(0);
    this.#entries.delete(id);
  }
}

function digest(...parts: Buffer[]): Buffer {
  const hash = createHash('sha512');
  for (const part of parts) hash.update(createHash('sha512').update(part).digest());
  return hash.digest();
}

function bound(name: string, value: number, max: number): number {
  if (!Number.isSafeInteger(value) || value < 1 || value > max) {
    throw new InvalidArgumentError(`${name} must be an integer from 1 to ${max}; got ${value}.`);
  }
  return value;
}
