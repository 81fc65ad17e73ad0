/**
 * The few Cloud KMS calls the keyrings make, as `@google-cloud/kms`'s `KeyManagementServiceClient`
 * declares them (over gRPC or REST). A keyring takes any object of this shape, so tests pass a fake
 * and the emulator's in-process client plugs in unchanged.
 */
export interface GcpKmsClient {
  encrypt(
    request: GcpEncryptRequest,
    options?: GcpCallOptions,
  ): Promise<readonly [GcpEncryptResponse, ...unknown[]]>;
  decrypt(
    request: GcpDecryptRequest,
    options?: GcpCallOptions,
  ): Promise<readonly [GcpDecryptResponse, ...unknown[]]>;
}

/** google.protobuf.Int64Value as the client takes and returns it. */
export interface Int64ValueField {
  value?: number | string | { toString(): string } | null;
}

export interface GcpEncryptRequest {
  name: string;
  plaintext: Uint8Array;
  additionalAuthenticatedData: Uint8Array;
  plaintextCrc32c: { value: number };
  additionalAuthenticatedDataCrc32c: { value: number };
}

export interface GcpEncryptResponse {
  name?: string | null;
  ciphertext?: Uint8Array | string | null;
  ciphertextCrc32c?: Int64ValueField | null;
  verifiedPlaintextCrc32c?: boolean | null;
  verifiedAdditionalAuthenticatedDataCrc32c?: boolean | null;
}

export interface GcpDecryptRequest {
  name: string;
  ciphertext: Uint8Array;
  additionalAuthenticatedData: Uint8Array;
  ciphertextCrc32c: { value: number };
  additionalAuthenticatedDataCrc32c: { value: number };
}

export interface GcpDecryptResponse {
  plaintext?: Uint8Array | string | null;
  plaintextCrc32c?: Int64ValueField | null;
}

/**
 * The gax call options the keyring sets on every call: the client's own retry is off (`retry:
 * null`; its default on UNAVAILABLE is a 600 s budget), `timeout` is what is left of the keyring's
 * deadline, and `signal` ends the call at that deadline.
 */
export interface GcpCallOptions {
  timeout: number;
  retry: null;
  signal: AbortSignal;
}

/** Returns the client for a CryptoKey's location (one client serves every location by default). */
export type GcpClientSupplier = (location: string) => GcpKmsClient;
