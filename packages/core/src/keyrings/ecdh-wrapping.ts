import { createCipheriv, createDecipheriv, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { uint32 } from '../format/byte-reader.js';
import { type EncryptionContext, serializeEncryptionContext } from '../format/encryption-context.js';
import { type EcdhCurveSpec, ecdhCurve } from './ecc-keys.js';

/**
 * The data-key wrapping shared by the raw ECDH and AWS KMS ECDH keyrings
 * (framework/raw-ecdh-keyring.md, framework/key-agreement-schemas.md "Key Derivation"), byte for
 * byte as the 4.x AWS Encryption SDKs write it. The shared secret Z comes from the caller: local
 * ECDH (raw keyring) or KMS DeriveSharedSecret (KMS keyring).
 */
export const RAW_ECDH_PROVIDER_ID = 'raw-ecdh';
export const KMS_ECDH_PROVIDER_ID = 'aws-kms-ecdh';

const KEYRING_VERSION = 0x01;
const SALT_LENGTH = 32;
const COMMITMENT_KEY_LENGTH = 32;
const WRAPPING_KEY_LENGTH = 32;
const TAG_LENGTH = 16;
const IV_LENGTH = 12;
const DELIMITER = Buffer.of(0x00);
const KDF_LABEL = Buffer.from('ecdh-key-derivation', 'utf8');
const KDF_PRF_NAME = Buffer.from('HMAC_SHA384', 'utf8');

/** Both public keys are SEC 1 compressed points. */
export interface EcdhParties {
  readonly senderPublicKey: Buffer;
  readonly recipientPublicKey: Buffer;
}

/** Provider info: version (1) || uint32 length || recipient key || uint32 length || sender key. */
export function serializeEcdhProviderInfo({ senderPublicKey, recipientPublicKey }: EcdhParties): Buffer {
  return Buffer.concat([
    Buffer.of(KEYRING_VERSION),
    uint32(recipientPublicKey.length),
    recipientPublicKey,
    uint32(senderPublicKey.length),
    senderPublicKey,
  ]);
}

/** Parses the provider info of an EDK on `spec`'s curve; throws an Error saying what is wrong. */
export function parseEcdhProviderInfo(info: Buffer, spec: EcdhCurveSpec): EcdhParties {
  const keyLength = ecdhCurve(spec).compressedLength;
  if (info.length !== 1 + 4 + keyLength + 4 + keyLength) {
    throw new Error(`the ECDH provider info is ${info.length} bytes; ${spec} needs ${9 + 2 * keyLength}`);
  }
  if (info[0] !== KEYRING_VERSION)
    throw new Error(`the ECDH provider info version is ${info[0]}; expected 1`);
  if (info.readUInt32BE(1) !== keyLength || info.readUInt32BE(5 + keyLength) !== keyLength) {
    throw new Error(`the ECDH provider info public key lengths are not ${keyLength}`);
  }
  return {
    recipientPublicKey: Buffer.from(info.subarray(5, 5 + keyLength)),
    senderPublicKey: Buffer.from(info.subarray(9 + keyLength)),
  };
}

/**
 * The filter step of OnDecrypt: an EDK whose provider info is not a version-1 layout on `spec`'s
 * curve (another curve's key, a later version, garbage) is simply not this keyring's.
 */
export function readEcdhProviderInfo(info: Buffer, spec: EcdhCurveSpec): EcdhParties | undefined {
  try {
    return parseEcdhProviderInfo(info, spec);
  } catch {
    return undefined;
  }
}

/**
 * FixedInfo = "ecdh-key-derivation" 0 curve 0 "HMAC_SHA384" 0 (sender || recipient) 0 version 0
 * canonical(EC). It is both the KDF's label and the AES-GCM AAD, binding the key and the context.
 */
function fixedInfo(spec: EcdhCurveSpec, parties: EcdhParties, encryptionContext: EncryptionContext): Buffer {
  return Buffer.concat([
    KDF_LABEL,
    DELIMITER,
    Buffer.from(ecdhCurve(spec).fixedInfoName, 'utf8'),
    DELIMITER,
    KDF_PRF_NAME,
    DELIMITER,
    parties.senderPublicKey,
    parties.recipientPublicKey,
    DELIMITER,
    Buffer.of(KEYRING_VERSION),
    DELIMITER,
    serializeEncryptionContext(encryptionContext),
  ]);
}

/**
 * NIST SP 800-108r1 KDF in counter mode with HMAC-SHA384 (as the 4.x SDKs' KdfCtr): block i is
 * HMAC(Z, uint32(i) || label || 0x00 || salt || uint32(L bits)), L = 512. Returns commitment key
 * (first 32 bytes) and wrapping key (last 32). The caller zero-fills both.
 */
function deriveKeys(
  sharedSecret: Buffer,
  label: Buffer,
  salt: Buffer,
): { commitmentKey: Buffer; wrappingKey: Buffer } {
  const length = COMMITMENT_KEY_LENGTH + WRAPPING_KEY_LENGTH;
  const explicitInfo = Buffer.concat([label, DELIMITER, salt, uint32(length * 8)]);
  const blocks: Buffer[] = [];
  for (let counter = 1; blocks.length * 48 < length; counter++) {
    blocks.push(createHmac('sha384', sharedSecret).update(uint32(counter)).update(explicitInfo).digest());
  }
  const keying = Buffer.concat(blocks);
  try {
    return {
      commitmentKey: Buffer.from(keying.subarray(0, COMMITMENT_KEY_LENGTH)),
      wrappingKey: Buffer.from(keying.subarray(COMMITMENT_KEY_LENGTH, length)),
    };
  } finally {
    keying.fill(0);
    for (const block of blocks) block.fill(0);
  }
}

export interface EcdhWrapInput extends EcdhParties {
  readonly curve: EcdhCurveSpec;
  readonly sharedSecret: Buffer;
  readonly encryptionContext: EncryptionContext;
}

/** Ciphertext = salt (32) || commitment key (32) || wrapped data key || tag (16). */
export function ecdhWrapDataKey(input: EcdhWrapInput, dataKey: Buffer): Buffer {
  const label = fixedInfo(input.curve, input, input.encryptionContext);
  const salt = randomBytes(SALT_LENGTH);
  const { commitmentKey, wrappingKey } = deriveKeys(input.sharedSecret, label, salt);
  try {
    // AES-GCM (key, IV) = (wrappingKey, all-zero IV), as the specification fixes it. The pair never
    // repeats because the key does not: it is derived from a fresh 32-byte random salt on every
    // wrap (and, for ephemeral senders, a fresh key pair), so each wrapping key encrypts one data key.
    const cipher = createCipheriv('aes-256-gcm', wrappingKey, Buffer.alloc(IV_LENGTH), {
      authTagLength: TAG_LENGTH,
    });
    cipher.setAAD(label);
    return Buffer.concat([salt, commitmentKey, cipher.update(dataKey), cipher.final(), cipher.getAuthTag()]);
  } finally {
    wrappingKey.fill(0);
    commitmentKey.fill(0);
  }
}

/**
 * Reverses {@link ecdhWrapDataKey}. Checks the commitment key in constant time before it decrypts,
 * so a wrong shared secret or context fails without touching AES-GCM. Throws an Error on any failure.
 */
export function ecdhUnwrapDataKey(input: EcdhWrapInput, ciphertext: Buffer, keyLength: number): Buffer {
  const wrappedAt = SALT_LENGTH + COMMITMENT_KEY_LENGTH;
  if (ciphertext.length !== wrappedAt + keyLength + TAG_LENGTH) {
    throw new Error(
      `the ECDH ciphertext is ${ciphertext.length} bytes; expected ${wrappedAt + keyLength + TAG_LENGTH}`,
    );
  }
  const label = fixedInfo(input.curve, input, input.encryptionContext);
  const { commitmentKey, wrappingKey } = deriveKeys(
    input.sharedSecret,
    label,
    ciphertext.subarray(0, SALT_LENGTH),
  );
  try {
    if (!timingSafeEqual(commitmentKey, ciphertext.subarray(SALT_LENGTH, wrappedAt))) {
      throw new Error('the derived commitment key does not match (wrong key pair or encryption context)');
    }
    const decipher = createDecipheriv('aes-256-gcm', wrappingKey, Buffer.alloc(IV_LENGTH), {
      authTagLength: TAG_LENGTH,
    });
    decipher.setAAD(label);
    decipher.setAuthTag(ciphertext.subarray(wrappedAt + keyLength));
    const dataKey = decipher.update(ciphertext.subarray(wrappedAt, wrappedAt + keyLength));
    try {
      decipher.final();
    } catch {
      dataKey.fill(0);
      throw new Error('the wrapped data key did not authenticate');
    }
    return dataKey;
  } finally {
    wrappingKey.fill(0);
    commitmentKey.fill(0);
  }
}
