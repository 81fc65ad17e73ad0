import { randomBytes } from 'node:crypto';
import type { HsmCore } from '../core/index.js';
import { notFound } from './errors.js';
import { versionStoreKey } from './names.js';
import { type CryptoKeyRecord, type KeyRingRecord, KIND, type VersionRecord } from './records.js';

/**
 * The GCP resources in the core's store, with Cloud KMS's time-driven changes applied lazily as
 * they are read (inside the calling operation's transaction): a DESTROY_SCHEDULED version whose
 * destroy time has passed becomes DESTROYED and loses its material, and a key whose next rotation
 * time has passed gets a new primary version.
 */
export class GcpResources {
  constructor(readonly core: HsmCore) {}

  #now(): Date {
    return this.core.now();
  }

  keyRing(name: string): KeyRingRecord {
    const record = this.core.store.get<KeyRingRecord>(KIND.keyRing, name);
    if (!record) throw notFound('KeyRing', name);
    return record;
  }

  cryptoKey(name: string): CryptoKeyRecord {
    const record = this.core.store.get<CryptoKeyRecord>(KIND.cryptoKey, name);
    if (!record) throw notFound('CryptoKey', name);
    return this.#rotateIfDue(record);
  }

  /** A version of the key, or undefined when the key has no such version. */
  findVersion(cryptoKeyName: string, version: number): VersionRecord | undefined {
    const record = this.core.store.get<VersionRecord>(KIND.version, versionStoreKey(cryptoKeyName, version));
    return record && this.settle(record);
  }

  version(cryptoKeyName: string, version: number, name: string): VersionRecord {
    const record = this.findVersion(cryptoKeyName, version);
    if (!record) throw notFound('CryptoKeyVersion', name);
    return record;
  }

  primaryOf(key: CryptoKeyRecord): VersionRecord | undefined {
    return key.primary === undefined ? undefined : this.findVersion(key.name, key.primary);
  }

  putKeyRing(record: KeyRingRecord): void {
    this.core.store.put(KIND.keyRing, record.name, record);
  }

  putCryptoKey(record: CryptoKeyRecord): void {
    this.core.store.put(KIND.cryptoKey, record.name, record);
  }

  putVersion(record: VersionRecord, cryptoKeyName: string): void {
    this.core.store.put(KIND.version, versionStoreKey(cryptoKeyName, record.version), record);
  }

  /** Generates a new ENABLED version with fresh material; the caller stores the updated key. */
  newVersion(key: CryptoKeyRecord): VersionRecord {
    const version = key.nextVersion;
    key.nextVersion += 1;
    const material = randomBytes(32);
    try {
      const record: VersionRecord = {
        name: `${key.name}/cryptoKeyVersions/${version}`,
        version,
        state: 'ENABLED',
        createTime: this.#now().toISOString(),
        material: this.core.vault.wrap(key.name, String(version), material),
      };
      this.putVersion(record, key.name);
      return record;
    } finally {
      material.fill(0);
    }
  }

  /** The version's material in a new buffer the caller zero-fills. */
  material(cryptoKeyName: string, record: VersionRecord): Buffer | undefined {
    return record.material === undefined
      ? undefined
      : this.core.vault.unwrap(cryptoKeyName, String(record.version), record.material);
  }

  /** Applies a due scheduled destruction (idempotent). */
  settle(record: VersionRecord): VersionRecord {
    if (record.state !== 'DESTROY_SCHEDULED' || record.destroyTime === undefined) return record;
    if (Date.parse(record.destroyTime) > this.#now().getTime()) return record;
    const { material: _dropped, ...rest } = record;
    const destroyed: VersionRecord = { ...rest, state: 'DESTROYED', destroyEventTime: record.destroyTime };
    this.putVersion(destroyed, record.name.slice(0, record.name.lastIndexOf('/cryptoKeyVersions/')));
    return destroyed;
  }

  /**
   * Applies a due automatic rotation: one new primary version however many periods were missed
   * (the emulator is not running between them), and the next rotation time moved past now.
   */
  #rotateIfDue(key: CryptoKeyRecord): CryptoKeyRecord {
    if (key.rotationPeriod === undefined || key.nextRotationTime === undefined) return key;
    const now = this.#now().getTime();
    let next = Date.parse(key.nextRotationTime);
    if (next > now) return key;
    const periodMs = key.rotationPeriod * 1000;
    next += (Math.floor((now - next) / periodMs) + 1) * periodMs;
    const version = this.newVersion(key);
    const rotated: CryptoKeyRecord = {
      ...key,
      primary: version.version,
      nextRotationTime: new Date(next).toISOString(),
    };
    this.putCryptoKey(rotated);
    return rotated;
  }
}
