import type { CryptoKey, CryptoKeyVersion, CryptoKeyVersionState, KeyRing } from './messages.js';
import { toDuration, toTimestamp } from './time.js';

/** Store kinds of the GCP service model. */
export const KIND = {
  keyRing: 'gcp.keyRing',
  cryptoKey: 'gcp.cryptoKey',
  version: 'gcp.cryptoKeyVersion',
} as const;

export interface KeyRingRecord {
  name: string;
  createTime: string;
}

export interface CryptoKeyRecord {
  name: string;
  purpose: 'ENCRYPT_DECRYPT';
  createTime: string;
  labels: Record<string, string>;
  /** Seconds; unset when the key does not rotate. */
  rotationPeriod?: number;
  /** ISO time of the next automatic rotation. */
  nextRotationTime?: string;
  /** Seconds a destroyed version stays DESTROY_SCHEDULED. */
  destroyScheduledDuration: number;
  primary?: number;
  /** The id the next version gets (ids are never reused). */
  nextVersion: number;
}

export interface VersionRecord {
  name: string;
  version: number;
  state: CryptoKeyVersionState;
  createTime: string;
  destroyTime?: string;
  destroyEventTime?: string;
  /** The version's AES-256 material wrapped under the root key; dropped once DESTROYED. */
  material?: string;
}

export const keyRingMessage = (record: KeyRingRecord): KeyRing => ({
  name: record.name,
  createTime: toTimestamp(record.createTime),
});

export const versionMessage = (record: VersionRecord): CryptoKeyVersion => ({
  name: record.name,
  state: record.state,
  protectionLevel: 'SOFTWARE',
  algorithm: 'GOOGLE_SYMMETRIC_ENCRYPTION',
  createTime: toTimestamp(record.createTime),
  generateTime: toTimestamp(record.createTime),
  ...(record.destroyTime ? { destroyTime: toTimestamp(record.destroyTime) } : {}),
  ...(record.destroyEventTime ? { destroyEventTime: toTimestamp(record.destroyEventTime) } : {}),
});

export const cryptoKeyMessage = (record: CryptoKeyRecord, primary?: VersionRecord): CryptoKey => ({
  name: record.name,
  ...(primary ? { primary: versionMessage(primary) } : {}),
  purpose: record.purpose,
  createTime: toTimestamp(record.createTime),
  ...(record.nextRotationTime ? { nextRotationTime: toTimestamp(record.nextRotationTime) } : {}),
  ...(record.rotationPeriod !== undefined ? { rotationPeriod: toDuration(record.rotationPeriod) } : {}),
  versionTemplate: { protectionLevel: 'SOFTWARE', algorithm: 'GOOGLE_SYMMETRIC_ENCRYPTION' },
  labels: { ...record.labels },
  destroyScheduledDuration: toDuration(record.destroyScheduledDuration),
});
