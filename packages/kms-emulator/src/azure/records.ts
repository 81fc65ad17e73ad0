/** Key types as Key Vault names them (`-HSM` types are HSM-protected in Azure; here all are emulated alike). */
export const KEY_TYPES = ['RSA', 'RSA-HSM', 'EC', 'EC-HSM', 'oct', 'oct-HSM'] as const;
export type KeyType = (typeof KEY_TYPES)[number];

export const KEY_OPERATIONS = ['encrypt', 'decrypt', 'sign', 'verify', 'wrapKey', 'unwrapKey'] as const;
export type KeyOperation = (typeof KEY_OPERATIONS)[number];

export const CURVES = ['P-256', 'P-384', 'P-521'] as const;
export type Curve = (typeof CURVES)[number];

export const RSA_SIZES = [2048, 3072, 4096] as const;
export const OCT_SIZES = [128, 192, 256] as const;

/** Public JSON Web Key members of a version (RSA `n`/`e`, EC `crv`/`x`/`y`); none for `oct`. */
export interface PublicJwk {
  n?: string;
  e?: string;
  crv?: Curve;
  x?: string;
  y?: string;
}

/** Store kind of a key (`<vault>/<name>`): its current version, soft-delete state and rotation policy. */
export const KEY_KIND = 'azure.key';
/** Store kind of a key version (`<vault>/<name>/<version>`): its material and attributes. */
export const VERSION_KIND = 'azure.keyVersion';

export interface AzureKeyRecord {
  vault: string;
  name: string;
  currentVersion: string;
  /** Unix seconds. */
  created: number;
  updated: number;
  deleted?: { deletedDate: number; scheduledPurgeDate: number };
  rotationPolicy?: RotationPolicyRecord;
}

export interface AzureKeyVersionRecord {
  vault: string;
  name: string;
  version: string;
  kty: KeyType;
  /** Bits, for RSA and oct keys. */
  keySize?: number;
  keyOps: KeyOperation[];
  enabled: boolean;
  /** Unix seconds. */
  nbf?: number;
  exp?: number;
  created: number;
  updated: number;
  tags: Record<string, string>;
  /** PKCS#8 DER (RSA, EC) or raw bytes (oct), wrapped under the root key by `MaterialVault`. */
  material: string;
  publicJwk: PublicJwk;
}

export interface LifetimeAction {
  trigger: { timeAfterCreate?: string; timeBeforeExpiry?: string };
  action: { type: 'Rotate' | 'Notify' };
}

export interface RotationPolicyRecord {
  lifetimeActions: LifetimeAction[];
  /** ISO 8601 duration: the expiry a rotated version gets. */
  expiryTime?: string;
  created: number;
  updated: number;
}

/** Azure's soft-delete retention by default, in days (the deleted key is purged after it). */
export const RECOVERABLE_DAYS = 90;
