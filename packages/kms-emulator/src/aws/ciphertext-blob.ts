/**
 * The emulator's symmetric ciphertext blob (pure (de)serialization, no I/O).
 *
 *   0      u8      format version (0x01)
 *   1      u16 BE  account id length, then account id (UTF-8)
 *   …      u16 BE  key id length, then key id (UTF-8; a UUID or mrk-… id, shared by MRK replicas)
 *   …      u16 BE  key version id length, then version id (UTF-8)
 *   …      12      AES-GCM IV
 *   …      n       ciphertext
 *   end-16 16      AES-GCM tag
 *
 * The AES-GCM AAD binds the header fields and the canonical encryption context, so any change to
 * either fails authentication.
 */
export const BLOB_VERSION = 0x01;
export const IV_LENGTH = 12;
export const TAG_LENGTH = 16;

export interface BlobHeader {
  accountId: string;
  keyId: string;
  versionId: string;
}

export interface CiphertextBlob extends BlobHeader {
  iv: Buffer;
  ciphertext: Buffer;
  tag: Buffer;
}

const lengthPrefixed = (value: string | Buffer): Buffer => {
  const bytes = typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
  const len = Buffer.alloc(2);
  len.writeUInt16BE(bytes.length);
  return Buffer.concat([len, bytes]);
};

export function serializeBlobHeader(h: BlobHeader): Buffer {
  return Buffer.concat([
    Buffer.from([BLOB_VERSION]),
    lengthPrefixed(h.accountId),
    lengthPrefixed(h.keyId),
    lengthPrefixed(h.versionId),
  ]);
}

export function serializeBlob(blob: CiphertextBlob): Buffer {
  return Buffer.concat([serializeBlobHeader(blob), blob.iv, blob.ciphertext, blob.tag]);
}

/** Returns undefined for anything that is not a well-formed blob; callers map that to InvalidCiphertext. */
export function parseBlob(bytes: Buffer): CiphertextBlob | undefined {
  if (bytes.length < 1 || bytes[0] !== BLOB_VERSION) return undefined;
  let offset = 1;
  const fields: string[] = [];
  for (let i = 0; i < 3; i++) {
    if (offset + 2 > bytes.length) return undefined;
    const len = bytes.readUInt16BE(offset);
    offset += 2;
    if (offset + len > bytes.length) return undefined;
    fields.push(bytes.subarray(offset, offset + len).toString('utf8'));
    offset += len;
  }
  if (bytes.length - offset < IV_LENGTH + TAG_LENGTH) return undefined;
  const iv = bytes.subarray(offset, offset + IV_LENGTH);
  const tag = bytes.subarray(bytes.length - TAG_LENGTH);
  const ciphertext = bytes.subarray(offset + IV_LENGTH, bytes.length - TAG_LENGTH);
  return { accountId: fields[0]!, keyId: fields[1]!, versionId: fields[2]!, iv, ciphertext, tag };
}

/** Canonical encryption context: pairs sorted by the UTF-8 bytes of their keys, each length-prefixed. */
export function canonicalEncryptionContext(context: Readonly<Record<string, string>> | undefined): Buffer {
  const pairs = Object.entries(context ?? {}).map(
    ([k, v]) => [Buffer.from(k, 'utf8'), Buffer.from(v, 'utf8')] as const,
  );
  pairs.sort((a, b) => Buffer.compare(a[0], b[0]));
  const count = Buffer.alloc(2);
  count.writeUInt16BE(pairs.length);
  return Buffer.concat([count, ...pairs.flatMap(([k, v]) => [lengthPrefixed(k), lengthPrefixed(v)])]);
}

export function blobAad(header: BlobHeader, context: Readonly<Record<string, string>> | undefined): Buffer {
  return Buffer.concat([
    Buffer.from('envelope-kms-emulator:blob:v1', 'utf8'),
    serializeBlobHeader(header),
    canonicalEncryptionContext(context),
  ]);
}
