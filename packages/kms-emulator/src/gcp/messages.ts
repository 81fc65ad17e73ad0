/**
 * The `google.cloud.kms.v1` messages in their protobuf.js object form (camelCase fields, enums by
 * name, int64 as decimal strings, bytes as Uint8Array, Timestamp and Duration as `{seconds, nanos}`,
 * wrappers as `{value}`), which is what @grpc/proto-loader hands a gRPC service and what
 * protobuf.js `toObject` yields from a REST body. Only the fields this emulator reads or writes
 * are listed; the protocols convert to and from the wire with the official protocol definitions.
 */
export interface Timestamp {
  seconds?: string | number;
  nanos?: number;
}
export type Duration = Timestamp;
export interface Int64Value {
  value?: string | number;
}
export interface FieldMask {
  paths?: string[];
}

export type CryptoKeyPurpose = 'ENCRYPT_DECRYPT';
export type CryptoKeyVersionState = 'ENABLED' | 'DISABLED' | 'DESTROYED' | 'DESTROY_SCHEDULED';

export interface KeyRing {
  name: string;
  createTime: Timestamp;
}

export interface CryptoKeyVersion {
  name: string;
  state: CryptoKeyVersionState;
  protectionLevel: 'SOFTWARE';
  algorithm: 'GOOGLE_SYMMETRIC_ENCRYPTION';
  createTime: Timestamp;
  generateTime?: Timestamp;
  destroyTime?: Timestamp;
  destroyEventTime?: Timestamp;
}

export interface CryptoKey {
  name: string;
  primary?: CryptoKeyVersion;
  purpose: CryptoKeyPurpose;
  createTime: Timestamp;
  nextRotationTime?: Timestamp;
  rotationPeriod?: Duration;
  versionTemplate: { protectionLevel: 'SOFTWARE'; algorithm: 'GOOGLE_SYMMETRIC_ENCRYPTION' };
  labels: Record<string, string>;
  destroyScheduledDuration: Duration;
}

/** A request as decoded from either wire: fields are checked by the service before use. */
export type GcpRequest = Record<string, unknown>;

export interface EncryptResponse {
  name: string;
  ciphertext: Buffer;
  ciphertextCrc32c: Int64Value;
  verifiedPlaintextCrc32c: boolean;
  verifiedAdditionalAuthenticatedDataCrc32c: boolean;
  protectionLevel: 'SOFTWARE';
}

export interface DecryptResponse {
  plaintext: Buffer;
  plaintextCrc32c: Int64Value;
  usedPrimary: boolean;
  protectionLevel: 'SOFTWARE';
}

export interface GenerateRandomBytesResponse {
  data: Buffer;
  dataCrc32c: Int64Value;
}

export interface ListKeyRingsResponse {
  keyRings: KeyRing[];
  nextPageToken: string;
}
export interface ListCryptoKeysResponse {
  cryptoKeys: CryptoKey[];
  nextPageToken: string;
}
export interface ListCryptoKeyVersionsResponse {
  cryptoKeyVersions: CryptoKeyVersion[];
  nextPageToken: string;
}
