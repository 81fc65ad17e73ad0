import { DecryptCommand, EncryptCommand, GenerateDataKeyCommand, type KMSClient } from '@aws-sdk/client-kms';
import { type EncryptedDataKey, type EncryptionContext, KeyringError } from '@envelope/core';
import { parseKmsArn, regionOf } from './arn.js';
import type { ClientSupplier } from './client-supplier.js';
import { type RetryOptions, sendWithRetry } from './retry.js';

/** Provider id of AWS KMS encrypted data keys, as the AWS Encryption SDK writes it. */
export const AWS_KMS_PROVIDER_ID = 'aws-kms';

export interface CallOptions {
  /** Provider id written on new EDKs; default `aws-kms`. */
  readonly providerId?: string | undefined;
  readonly grantTokens?: readonly string[] | undefined;
  readonly retry?: RetryOptions | undefined;
}

function context(ec: EncryptionContext): Record<string, string> {
  return { ...ec };
}

function grantTokens(options: CallOptions): { GrantTokens?: string[] } {
  return options.grantTokens?.length ? { GrantTokens: [...options.grantTokens] } : {};
}

/** The EDK for a KMS ciphertext: provider info is the key ARN KMS reported. */
function edkFor(
  providerId: string,
  keyArn: string | undefined,
  ciphertext: Uint8Array | undefined,
  asked: string,
): EncryptedDataKey {
  if (!keyArn || !parseKmsArn(keyArn) || !ciphertext?.length) {
    throw new KeyringError(
      `AWS KMS returned an invalid response for key ${asked} (no key ARN or ciphertext).`,
    );
  }
  return {
    providerId,
    providerInfo: Buffer.from(keyArn, 'utf8'),
    ciphertext: Buffer.from(ciphertext),
  };
}

export async function generateDataKey(
  client: KMSClient,
  keyId: string,
  numberOfBytes: number,
  ec: EncryptionContext,
  options: CallOptions,
): Promise<{ plaintext: Buffer; edk: EncryptedDataKey }> {
  const out = await sendWithRetry(
    client,
    (abortSignal) =>
      client.send(
        new GenerateDataKeyCommand({
          KeyId: keyId,
          NumberOfBytes: numberOfBytes,
          EncryptionContext: context(ec),
          ...grantTokens(options),
        }),
        { abortSignal },
      ),
    options.retry,
  );
  const plaintext = Buffer.from(out.Plaintext ?? new Uint8Array());
  out.Plaintext?.fill(0);
  if (plaintext.length !== numberOfBytes) {
    plaintext.fill(0);
    throw new KeyringError(`AWS KMS GenerateDataKey with ${keyId} returned a data key of the wrong length.`);
  }
  return {
    plaintext,
    edk: edkFor(options.providerId ?? AWS_KMS_PROVIDER_ID, out.KeyId, out.CiphertextBlob, keyId),
  };
}

export async function encryptDataKey(
  client: KMSClient,
  keyId: string,
  dataKey: Buffer,
  ec: EncryptionContext,
  options: CallOptions,
): Promise<EncryptedDataKey> {
  const out = await sendWithRetry(
    client,
    (abortSignal) =>
      client.send(
        new EncryptCommand({
          KeyId: keyId,
          Plaintext: dataKey,
          EncryptionContext: context(ec),
          ...grantTokens(options),
        }),
        { abortSignal },
      ),
    options.retry,
  );
  return edkFor(options.providerId ?? AWS_KMS_PROVIDER_ID, out.KeyId, out.CiphertextBlob, keyId);
}

/**
 * Decrypts one EDK with KeyId pinned, and checks KMS answered for that key (framework/aws-kms
 * keyring spec: the response KeyId must equal the requested one) and with the suite's key length.
 */
export async function decryptDataKey(
  client: KMSClient,
  keyId: string,
  edk: EncryptedDataKey,
  ec: EncryptionContext,
  keyLength: number,
  options: CallOptions,
): Promise<Buffer> {
  const out = await sendWithRetry(
    client,
    (abortSignal) =>
      client.send(
        new DecryptCommand({
          KeyId: keyId,
          CiphertextBlob: edk.ciphertext,
          EncryptionContext: context(ec),
          ...grantTokens(options),
        }),
        { abortSignal },
      ),
    options.retry,
  );
  const plaintext = Buffer.from(out.Plaintext ?? new Uint8Array());
  out.Plaintext?.fill(0);
  if (out.KeyId !== keyId) {
    plaintext.fill(0);
    throw new KeyringError(`AWS KMS Decrypt answered for key ${out.KeyId}, not the requested ${keyId}.`);
  }
  if (plaintext.length !== keyLength) {
    plaintext.fill(0);
    throw new KeyringError(`AWS KMS Decrypt with ${keyId} returned a data key of the wrong length.`);
  }
  return plaintext;
}

/** A short cause for an error list: the AWS error name and message. */
export function describeKmsError(error: unknown): string {
  const e = error as { name?: string; message?: string };
  return `${e?.name ?? 'Error'}: ${e?.message ?? String(error)}`;
}

/** Runs one KMS call in the key's region; failures become a KeyringError naming operation and key. */
export async function callKms<T>(
  clients: ClientSupplier,
  operation: string,
  keyId: string,
  call: (client: KMSClient) => Promise<T>,
): Promise<T> {
  try {
    return await call(clients(regionOf(keyId)));
  } catch (error) {
    if (error instanceof KeyringError) throw error;
    throw new KeyringError(`AWS KMS ${operation} with ${keyId} failed: ${describeKmsError(error)}`, {
      cause: error,
    });
  }
}
