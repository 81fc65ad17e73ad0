import { createCipheriv, createDecipheriv, createPrivateKey, type KeyObject, randomBytes } from 'node:crypto';
import type { MaterialVault } from '../core/index.js';
import { kmsError } from './errors.js';
import type { WrappingAlgorithm } from './import-wrapping.js';

/**
 * The import token GetParametersForImport hands out: opaque to the caller, sealed under a key derived
 * from the root key, naming the KMS key it is bound to, the wrapping algorithm, its expiry, and the
 * wrapping private key that ImportKeyMaterial needs. Nothing is stored: the token carries it all.
 * Layout: version (1) || IV (12) || AES-256-GCM ciphertext of the JSON payload || tag (16).
 */
export interface ImportTokenPayload {
  keyArn: string;
  algorithm: WrappingAlgorithm;
  /** Epoch milliseconds. */
  validTo: number;
  /** The wrapping private key, PKCS#8 DER base64. */
  wrappingKey: string;
}

const VERSION = 1;
const IV_LENGTH = 12;
const TAG_LENGTH = 16;

const tokenKey = (vault: MaterialVault): Buffer => vault.deriveKey('envelope-kms-emulator:import-token');

const aad = (keyArn: string) => Buffer.from(`envelope-kms-emulator:import-token:${keyArn}`, 'utf8');

export function sealImportToken(vault: MaterialVault, payload: ImportTokenPayload): Buffer {
  const key = tokenKey(vault);
  try {
    // (key, IV): the token key derived from the root key, with a fresh random 96-bit IV per token.
    // Tokens are minted one per GetParametersForImport call, far below the 2^32 random-IV bound.
    const iv = randomBytes(IV_LENGTH);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    cipher.setAAD(aad(payload.keyArn));
    const body = Buffer.concat([cipher.update(JSON.stringify(payload), 'utf8'), cipher.final()]);
    return Buffer.concat([Buffer.of(VERSION), iv, body, cipher.getAuthTag()]);
  } finally {
    key.fill(0);
  }
}

/**
 * Opens a token for `keyArn` at time `now`: InvalidImportTokenException when it was not issued for this
 * key by this emulator (or was altered), ExpiredImportTokenException after its 24 hours.
 */
export function openImportToken(
  vault: MaterialVault,
  keyArn: string,
  token: Buffer,
  now: number,
): { algorithm: WrappingAlgorithm; wrappingKey: KeyObject } {
  const key = tokenKey(vault);
  let payload: ImportTokenPayload;
  try {
    if (token.length <= 1 + IV_LENGTH + TAG_LENGTH || token[0] !== VERSION) throw new Error('malformed');
    const decipher = createDecipheriv('aes-256-gcm', key, token.subarray(1, 1 + IV_LENGTH));
    decipher.setAAD(aad(keyArn));
    decipher.setAuthTag(token.subarray(token.length - TAG_LENGTH));
    const json = Buffer.concat([
      decipher.update(token.subarray(1 + IV_LENGTH, token.length - TAG_LENGTH)),
      decipher.final(),
    ]);
    payload = JSON.parse(json.toString('utf8')) as ImportTokenPayload;
  } catch {
    throw kmsError(
      'InvalidImportTokenException',
      `The import token is invalid for ${keyArn}; use the ImportToken from the same GetParametersForImport response as the wrapping public key, for this KMS key.`,
    );
  } finally {
    key.fill(0);
  }
  if (now >= payload.validTo) {
    throw kmsError(
      'ExpiredImportTokenException',
      `The import token expired at ${new Date(payload.validTo).toISOString()}; call GetParametersForImport again and wrap the key material with the new public key.`,
    );
  }
  const wrappingKey = createPrivateKey({
    key: Buffer.from(payload.wrappingKey, 'base64'),
    format: 'der',
    type: 'pkcs8',
  });
  return { algorithm: payload.algorithm, wrappingKey };
}
