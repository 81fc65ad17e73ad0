import { randomBytes } from 'node:crypto';
import {
  crc32c,
  type GcpCallOptions,
  type GcpDecryptRequest,
  type GcpDecryptResponse,
  type GcpEncryptRequest,
  type GcpEncryptResponse,
  type GcpKmsClient,
} from '@envelope/gcp-kms';

/** A gRPC-status error as `@google-cloud/kms` raises it over gRPC: `code` is the numeric status. */
export function grpcError(code: number, message: string): Error & { code: number } {
  return Object.assign(new Error(`${code} STATUS: ${message}`), { code, details: message });
}

interface Sealed {
  readonly version: string;
  readonly plaintext: Buffer;
  readonly aad: Buffer;
}

/**
 * A stand-in for Cloud KMS behind the client port, honest about what the keyring relies on: the
 * ciphertext is an opaque random handle bound to key version, plaintext and AAD; request CRC32Cs are
 * verified as the service does; responses carry their CRC32Cs. `tamper` hooks alter responses and
 * `fail` makes calls throw, to test the keyring's checks and retries.
 */
export class FakeCloudKms implements GcpKmsClient {
  readonly #sealed = new Map<string, Sealed>();
  readonly calls: Array<{
    method: 'encrypt' | 'decrypt';
    name: string;
    aad: Buffer;
    options: GcpCallOptions | undefined;
  }> = [];
  tamperEncrypt: ((response: GcpEncryptResponse) => GcpEncryptResponse) | undefined;
  tamperDecrypt: ((response: GcpDecryptResponse) => GcpDecryptResponse) | undefined;
  /** Thrown (in order) by the next calls; `undefined` entries let a call through. */
  failures: Array<unknown> = [];
  /** Milliseconds each call waits before answering (honours the abort signal). */
  latencyMs = 0;
  /** The plaintext buffers handed to the keyring by decrypt, to check they were wiped. */
  readonly plaintextsReturned: Buffer[] = [];

  constructor(readonly primaryVersion = (key: string) => `${key}/cryptoKeyVersions/1`) {}

  async #enter(
    method: 'encrypt' | 'decrypt',
    name: string,
    aad: Uint8Array,
    options: GcpCallOptions | undefined,
  ) {
    this.calls.push({ method, name, aad: Buffer.from(aad), options });
    if (this.latencyMs > 0) {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(resolve, this.latencyMs);
        options?.signal.addEventListener('abort', () => {
          clearTimeout(timer);
          reject(grpcError(1, 'cancelled'));
        });
      });
    }
    const failure = this.failures.shift();
    if (failure !== undefined) throw failure;
  }

  async encrypt(request: GcpEncryptRequest, options?: GcpCallOptions): Promise<[GcpEncryptResponse]> {
    await this.#enter('encrypt', request.name, request.additionalAuthenticatedData, options);
    const plaintext = Buffer.from(request.plaintext);
    const aad = Buffer.from(request.additionalAuthenticatedData);
    if (request.plaintextCrc32c.value !== crc32c(plaintext))
      throw grpcError(3, 'plaintext checksum mismatch');
    if (request.additionalAuthenticatedDataCrc32c.value !== crc32c(aad))
      throw grpcError(3, 'aad checksum mismatch');
    const ciphertext = randomBytes(48);
    const version = this.primaryVersion(request.name);
    this.#sealed.set(ciphertext.toString('hex'), { version, plaintext, aad });
    const response: GcpEncryptResponse = {
      name: version,
      ciphertext,
      ciphertextCrc32c: { value: String(crc32c(ciphertext)) },
      verifiedPlaintextCrc32c: true,
      verifiedAdditionalAuthenticatedDataCrc32c: true,
    };
    return [this.tamperEncrypt ? this.tamperEncrypt(response) : response];
  }

  async decrypt(request: GcpDecryptRequest, options?: GcpCallOptions): Promise<[GcpDecryptResponse]> {
    await this.#enter('decrypt', request.name, request.additionalAuthenticatedData, options);
    const ciphertext = Buffer.from(request.ciphertext);
    const aad = Buffer.from(request.additionalAuthenticatedData);
    if (request.ciphertextCrc32c.value !== crc32c(ciphertext))
      throw grpcError(3, 'ciphertext checksum mismatch');
    if (request.additionalAuthenticatedDataCrc32c.value !== crc32c(aad))
      throw grpcError(3, 'aad checksum mismatch');
    const sealed = this.#sealed.get(ciphertext.toString('hex'));
    if (!sealed?.version.startsWith(`${request.name}/`) || !sealed.aad.equals(aad)) {
      throw grpcError(3, "Decryption failed: verify that 'name' refers to the correct CryptoKey.");
    }
    const plaintext = Buffer.from(sealed.plaintext);
    this.plaintextsReturned.push(plaintext);
    const response: GcpDecryptResponse = { plaintext, plaintextCrc32c: { value: crc32c(plaintext) } };
    return [this.tamperDecrypt ? this.tamperDecrypt(response) : response];
  }
}

export const KEY_A = 'projects/envelope-test/locations/europe-west1/keyRings/ring/cryptoKeys/a';
export const KEY_B = 'projects/envelope-test/locations/us-east1/keyRings/ring/cryptoKeys/b';
export const KEY_OTHER_PROJECT = 'projects/someone-else/locations/europe-west1/keyRings/ring/cryptoKeys/c';
