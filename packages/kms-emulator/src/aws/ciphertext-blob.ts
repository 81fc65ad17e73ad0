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

/** A blob as read: its fields, and its header's bytes as they stand in it (what the AAD binds). */
export interface ParsedBlob extends CiphertextBlob {
  head: Buffer;
}

// Each value is built in one allocation (sizes first, then written in place): these run on every
// Encrypt, Decrypt and GenerateDataKey, where a Buffer.concat of small pieces cost more than the AES.
const AAD_LABEL = Buffer.from('envelope-kms-emulator:blob:v1', 'utf8');

/** Writes `bytes` after its u16 BE length at `offset`; returns the offset after it. */
function writeLengthPrefixed(out: Buffer, offset: number, bytes: Buffer): number {
  const next = out.writeUInt16BE(bytes.length, offset);
  return next + bytes.copy(out, next);
}

function headerFields(h: BlobHeader): [Buffer, Buffer, Buffer] {
  return [Buffer.from(h.accountId, 'utf8'), Buffer.from(h.keyId, 'utf8'), Buffer.from(h.versionId, 'utf8')];
}

/** Writes the header (version byte, three length-prefixed fields) at `offset`; returns the offset after it. */
function writeHeader(out: Buffer, offset: number, fields: readonly Buffer[]): number {
  let next = out.writeUInt8(BLOB_VERSION, offset);
  for (const field of fields) next = writeLengthPrefixed(out, next, field);
  return next;
}

const headerSize = (fields: readonly Buffer[]): number =>
  1 + 6 + fields[0]!.length + fields[1]!.length + fields[2]!.length;

export function serializeBlobHeader(h: BlobHeader): Buffer {
  const fields = headerFields(h);
  const out = Buffer.allocUnsafe(headerSize(fields));
  writeHeader(out, 0, fields);
  return out;
}

export function serializeBlob(blob: CiphertextBlob): Buffer {
  return sealedBlob(serializeBlobHeader(blob), blob.iv, blob.ciphertext, blob.tag);
}

/** A blob from its serialized header (as {@link serializeBlobHeader} writes it) and its GCM parts. */
export function sealedBlob(head: Buffer, iv: Buffer, ciphertext: Buffer, tag: Buffer): Buffer {
  const out = Buffer.allocUnsafe(head.length + iv.length + ciphertext.length + tag.length);
  let offset = head.copy(out, 0);
  offset += iv.copy(out, offset);
  offset += ciphertext.copy(out, offset);
  tag.copy(out, offset);
  return out;
}

/** Returns undefined for anything that is not a well-formed blob; callers map that to InvalidCiphertext. */
export function parseBlob(bytes: Buffer): ParsedBlob | undefined {
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
  const head = bytes.subarray(0, offset);
  return { accountId: fields[0]!, keyId: fields[1]!, versionId: fields[2]!, iv, ciphertext, tag, head };
}

/** The context's pairs as UTF-8, sorted by the bytes of their keys. */
function contextPairs(context: Readonly<Record<string, string>> | undefined): [Buffer, Buffer][] {
  if (!context) return [];
  const pairs = Object.entries(context).map(
    ([k, v]) => [Buffer.from(k, 'utf8'), Buffer.from(v, 'utf8')] as [Buffer, Buffer],
  );
  pairs.sort((a, b) => Buffer.compare(a[0], b[0]));
  return pairs;
}

const contextSize = (pairs: readonly [Buffer, Buffer][]): number =>
  pairs.reduce((size, [k, v]) => size + 4 + k.length + v.length, 2);

/** Writes the canonical context (u16 BE pair count, then each key and value length-prefixed). */
function writeContext(out: Buffer, offset: number, pairs: readonly [Buffer, Buffer][]): number {
  let next = out.writeUInt16BE(pairs.length, offset);
  for (const [k, v] of pairs) next = writeLengthPrefixed(out, writeLengthPrefixed(out, next, k), v);
  return next;
}

/** Canonical encryption context: pairs sorted by the UTF-8 bytes of their keys, each length-prefixed. */
export function canonicalEncryptionContext(context: Readonly<Record<string, string>> | undefined): Buffer {
  const pairs = contextPairs(context);
  const out = Buffer.allocUnsafe(contextSize(pairs));
  writeContext(out, 0, pairs);
  return out;
}

export function blobAad(header: BlobHeader, context: Readonly<Record<string, string>> | undefined): Buffer {
  return headAad(serializeBlobHeader(header), context);
}

/**
 * {@link blobAad} from the header's bytes: serialized once per Encrypt for both the AAD and the blob,
 * and on Decrypt taken from the blob as it stands (the bytes the AAD bound when it was sealed).
 */
export function headAad(head: Buffer, context: Readonly<Record<string, string>> | undefined): Buffer {
  const pairs = contextPairs(context);
  const out = Buffer.allocUnsafe(AAD_LABEL.length + head.length + contextSize(pairs));
  writeContext(out, AAD_LABEL.copy(out, 0) + head.copy(out, AAD_LABEL.length), pairs);
  return out;
}
