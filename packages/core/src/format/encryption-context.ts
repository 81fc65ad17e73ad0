import { InvalidArgumentError } from '../errors.js';
import { ByteReader, TruncatedInput } from './byte-reader.js';

export type EncryptionContext = Readonly<Record<string, string>>;

/** Keys with this prefix are written by the SDK itself (the signing public key) and refused from callers. */
export const RESERVED_CONTEXT_PREFIX = 'aws-crypto-';
export const PUBLIC_KEY_CONTEXT_KEY = 'aws-crypto-public-key';

const MAX_FIELD = 0xffff;

/**
 * Throws when a caller-supplied context uses a reserved key, is not all strings, or is not
 * well-formed Unicode. One pass over the pairs (see {@link contextEntries}).
 */
export function assertCallerContext(context: EncryptionContext): void {
  const entries = contextEntries(context);
  for (const [key, value] of entries) {
    if (typeof value !== 'string') {
      throw new InvalidArgumentError(`Encryption context value for '${key}' must be a string.`);
    }
    if (key.startsWith(RESERVED_CONTEXT_PREFIX)) {
      throw new InvalidArgumentError(
        `Encryption context key '${key}' is reserved: keys starting '${RESERVED_CONTEXT_PREFIX}' are written by the SDK.`,
      );
    }
    if (key.length === 0) throw new InvalidArgumentError('Encryption context keys must not be empty.');
  }
  assertWellFormedEntries(entries);
}

/**
 * The context's pairs, read once per use. A context of more than about a thousand pairs is a V8
 * dictionary-mode object, where every `for…in` or `Object.entries` collects and orders all its keys
 * again (even one that stops at the first key): each extra pass made encrypt's cost per pair jump by
 * half past that size (bench/scaling.ts). An empty context (most messages) costs one empty array.
 */
function contextEntries(context: EncryptionContext): Array<[string, string]> {
  return Object.entries(context);
}

/** True when the context has no pairs (a `for…in` that stops at once on the usual small object). */
function isEmptyContext(context: EncryptionContext): boolean {
  for (const key in context) if (Object.hasOwn(context, key)) return false;
  return true;
}

/**
 * True when `text` has a lone UTF-16 surrogate, which UTF-8 cannot carry (`Buffer.from` writes
 * U+FFFD). In a `u` regex a well-formed pair is one code point and does not match.
 */
export function hasLoneSurrogate(text: string): boolean {
  return /\p{Surrogate}/u.test(text);
}

/**
 * Two strings that differ only in lone surrogates would bind to the same bytes, so refuse them. The
 * key is named escaped (JSON), never raw.
 */
function assertWellFormedEntries(entries: ReadonlyArray<readonly [string, string]>): void {
  for (const [key, value] of entries) {
    if (hasLoneSurrogate(key)) {
      throw new InvalidArgumentError(
        `Encryption context key ${JSON.stringify(key)} is not well-formed Unicode (it has a lone UTF-16 surrogate, which UTF-8 cannot represent); repair the string, e.g. with String.prototype.toWellFormed().`,
      );
    }
    if (hasLoneSurrogate(value)) {
      throw new InvalidArgumentError(
        `Encryption context value for key ${JSON.stringify(key)} is not well-formed Unicode (it has a lone UTF-16 surrogate, which UTF-8 cannot represent); repair the string, e.g. with String.prototype.toWellFormed().`,
      );
    }
  }
}

/** Any UTF-16 surrogate code unit, paired or not (no `u` flag: code units, not code points). */
const SURROGATE_UNIT = /[\uD800-\uDFFF]/;

/**
 * The pairs sorted by the UTF-8 bytes of their keys (message-header.md "AAD"): not by
 * `localeCompare`, which disagrees with the byte order for non-ASCII keys and breaks cross-SDK decrypt.
 * Keys without surrogates compare as strings: for them UTF-16 code unit order is code point order,
 * which UTF-8 byte order keeps (a native Buffer.compare per comparison cost 3× as much). A key
 * with a surrogate pair (U+10000 and up) sorts before U+E000–U+FFFF as UTF-16 but after as UTF-8,
 * so then the keys are compared as bytes.
 */
function sortedEncodedPairs(entries: Array<[string, string]>): Array<[Buffer, Buffer]> {
  if (entries.some(([key]) => SURROGATE_UNIT.test(key))) {
    return entries
      .map(([k, v]): [Buffer, Buffer] => [Buffer.from(k, 'utf8'), Buffer.from(v, 'utf8')])
      .sort(([a], [b]) => Buffer.compare(a, b));
  }
  // Keys are distinct, so no two compare equal.
  return entries
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([k, v]): [Buffer, Buffer] => [Buffer.from(k, 'utf8'), Buffer.from(v, 'utf8')]);
}

/**
 * Serializes the pairs as count || (len || key || len || value)*. An empty context serializes to
 * zero bytes (the count is omitted, not zero). This is also the AAD raw AES keyrings bind.
 * Written into one buffer: every message serializes its context at least twice (keyring AAD, header).
 */
export function serializeEncryptionContext(context: EncryptionContext): Buffer {
  const entries = contextEntries(context);
  if (entries.length === 0) return Buffer.alloc(0);
  assertWellFormedEntries(entries);
  const pairs = sortedEncodedPairs(entries);
  if (pairs.length > MAX_FIELD) throw new InvalidArgumentError('Encryption context has too many pairs.');
  let length = 2;
  for (const [key, value] of pairs) {
    if (key.length > MAX_FIELD || value.length > MAX_FIELD) {
      throw new InvalidArgumentError('Encryption context keys and values must be under 64 KiB each.');
    }
    length += 4 + key.length + value.length;
  }
  if (length > MAX_FIELD) {
    throw new InvalidArgumentError(
      `Encryption context serializes to ${length} bytes; the message format allows at most ${MAX_FIELD}.`,
    );
  }
  const out = Buffer.allocUnsafe(length);
  let at = out.writeUInt16BE(pairs.length, 0);
  for (const [key, value] of pairs) {
    at = out.writeUInt16BE(key.length, at);
    at += key.copy(out, at);
    at = out.writeUInt16BE(value.length, at);
    at += value.copy(out, at);
  }
  return out;
}

/** The context without pairs, shared (frozen: it cannot be changed through one of its holders). */
export const EMPTY_CONTEXT: EncryptionContext = Object.freeze({});

/** Parses the header's AAD section: a 2-byte length, then the serialized pairs. */
export function readEncryptionContext(reader: ByteReader): EncryptionContext {
  const lengthAt = reader.offset;
  const length = reader.uint16();
  if (length === 0) return EMPTY_CONTEXT;
  const start = reader.offset;
  reader.bytes(length); // the whole section must be present; a stream reads more if it is not
  // Pairs are read within the declared length: a count or pair length that overruns it is a format
  // error, not a reason to wait for more input.
  const section = new ByteReader(reader.buffer.subarray(0, start + length));
  section.offset = start;
  const countAt = section.offset;
  const count = section.uint16();
  if (count === 0) reader.fail('encryption context count', countAt, 'is zero but the context is not empty');
  const context: Record<string, string> = Object.create(null);
  for (let i = 0; i < count; i++) {
    const keyAt = section.offset;
    let key: Buffer;
    let value: Buffer;
    try {
      key = section.lengthPrefixed();
      value = section.lengthPrefixed();
    } catch (error) {
      if (!(error instanceof TruncatedInput)) throw error;
      reader.fail('encryption context', lengthAt, `overruns its declared length ${length}`);
    }
    // Order is not checked: other SDKs sort differently, and the header tag covers the raw bytes.
    const name = decodeUtf8(key, reader, keyAt);
    if (Object.hasOwn(context, name)) reader.fail(`encryption context key ${i}`, keyAt, 'is a duplicate');
    context[name] = decodeUtf8(value, reader, keyAt);
  }
  if (section.offset - start !== length) {
    reader.fail(
      'encryption context',
      lengthAt,
      `declares ${length} bytes but its pairs use ${section.offset - start}`,
    );
  }
  return Object.freeze({ ...context });
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

function decodeUtf8(bytes: Buffer, reader: ByteReader, at: number): string {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    reader.fail('encryption context', at, 'is not valid UTF-8');
  }
}

/**
 * The keys of `required` whose pair `context` lacks. Pairs are compared as the UTF-8 bytes the header
 * binds, not as strings: a message written with a string that was not well-formed Unicode (before
 * encrypt refused them, or by another SDK) still matches the string it was written from.
 */
export function missingContextPairs(context: EncryptionContext, required: EncryptionContext): string[] {
  if (isEmptyContext(required)) return [];
  const present = new Map(Object.entries(context).map(([k, v]) => [utf8Key(k), Buffer.from(v, 'utf8')]));
  return Object.entries(required)
    .filter(([k, v]) => typeof v !== 'string' || !present.get(utf8Key(k))?.equals(Buffer.from(v, 'utf8')))
    .map(([k]) => k);
}

/** The UTF-8 bytes of `text` as a map key (latin1 maps each byte to one character). */
function utf8Key(text: string): string {
  return Buffer.from(text, 'utf8').toString('latin1');
}
