import type { KeySpec, KeyUsage } from './key-specs.js';

/** Who is calling, from where. Transports derive it from the request (SigV4 scope, access key). */
export interface RequestContext {
  region: string;
  /** IAM principal ARN of the caller, e.g. `arn:aws:iam::111122223333:root`. */
  principal: string;
  accountId: string;
  requestId?: string;
  /**
   * Seeding only (set by the server from its seed file, never from a request): CreateKey uses this
   * key id instead of a random one, so configs can name stable ARNs.
   */
  seedKeyId?: string;
  /**
   * Seeding only, with `seedKeyId`: CreateKey imports this material (32 bytes for SYMMETRIC_DEFAULT,
   * the HMAC key bytes, or a PKCS#8 DER private key) instead of generating it, for portable fixtures.
   */
  seedMaterial?: Buffer;
}

export type KeyState = 'Enabled' | 'Disabled' | 'PendingDeletion' | 'PendingImport' | 'Unavailable';

export interface Tag {
  TagKey: string;
  TagValue: string;
}

export interface KeyVersionRecord {
  versionId: string;
  createdAt: number;
  /** Key material (raw bytes or PKCS#8 DER) encrypted under the root key, base64. */
  wrappedMaterial: string;
  /** DER SubjectPublicKeyInfo for asymmetric keys, base64. */
  publicKey?: string;
  rotationType?: 'AUTOMATIC' | 'ON_DEMAND';
}

export interface MultiRegionRecord {
  primaryRegion: string;
  /** Every region holding a copy, primary included. */
  regions: string[];
}

/** Everything the engine persists about one KMS key in one region (JSON-serializable). */
export interface KeyRecord {
  arn: string;
  keyId: string;
  accountId: string;
  region: string;
  creationDate: number;
  description: string;
  keyUsage: KeyUsage;
  keySpec: KeySpec;
  keyState: KeyState;
  deletionDate?: number;
  pendingWindowDays?: number;
  multiRegion: boolean;
  mrk?: MultiRegionRecord;
  policy: string;
  tags: Tag[];
  rotation: { enabled: boolean; periodDays?: number; nextRotationDate?: number };
  /** Oldest first; the last one is current. Empty while an EXTERNAL key has no material. */
  versions: KeyVersionRecord[];
  /** `EXTERNAL` for a bring-your-own-key key; absent means `AWS_KMS`. */
  origin?: 'EXTERNAL';
  /** What was imported into an EXTERNAL key; kept after expiry or deletion, so only it can come back. */
  imported?: ImportedMaterialRecord;
}

/** The identity of an EXTERNAL key's material, never the material itself. */
export interface ImportedMaterialRecord {
  /** HMAC of the material under a key derived from the root key, hex: tells "the same material" apart. */
  materialId: string;
  /** The version the material lives in, restored on re-import so earlier ciphertexts decrypt again. */
  versionId: string;
  createdAt: number;
  publicKey?: string;
  expirationModel: 'KEY_MATERIAL_EXPIRES' | 'KEY_MATERIAL_DOES_NOT_EXPIRE';
  /** Epoch milliseconds when the material expires (KEY_MATERIAL_EXPIRES only). */
  validTo?: number;
}

export interface AliasRecord {
  aliasName: string;
  aliasArn: string;
  accountId: string;
  region: string;
  targetKeyId: string;
  creationDate: number;
  lastUpdatedDate: number;
}

export interface GrantConstraints {
  EncryptionContextSubset?: Record<string, string>;
  EncryptionContextEquals?: Record<string, string>;
}

export interface GrantRecord {
  grantId: string;
  grantToken: string;
  keyArn: string;
  keyId: string;
  name?: string;
  creationDate: number;
  granteePrincipal: string;
  retiringPrincipal?: string;
  issuingAccount: string;
  operations: string[];
  constraints?: GrantConstraints;
}

/** A CloudTrail-shaped record of one call. Never contains plaintext or key material. */
export interface AuditEvent {
  eventVersion: '1.08';
  eventTime: string;
  eventSource: 'kms.amazonaws.com';
  eventName: string;
  awsRegion: string;
  requestID: string;
  eventID: string;
  userIdentity: { type: string; arn: string; accountId: string };
  requestParameters: Record<string, unknown>;
  responseElements: Record<string, unknown> | null;
  resources: { ARN: string; accountId: string; type: 'AWS::KMS::Key' }[];
  /** Key id of the key the call acted on, when one was resolved (not a CloudTrail field; for filtering). */
  keyId?: string;
  errorCode?: string;
  errorMessage?: string;
}
