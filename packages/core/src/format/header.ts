import { createCipheriv, createDecipheriv } from 'node:crypto';
import { DecryptionFailedError, LimitExceededError } from '../errors.js';
import { type AlgorithmSuite, formatSuiteId, getSuite, isKnownSuiteId } from '../suites/algorithm-suites.js';
import { ByteReader } from './byte-reader.js';
import {
  type EncryptedDataKey,
  readEncryptedDataKeys,
  serializeEncryptedDataKeys,
} from './encrypted-data-key.js';
import {
  type EncryptionContext,
  readEncryptionContext,
  serializeEncryptionContext,
} from './encryption-context.js';

// data-format/message-header.md
export const ContentType = { NON_FRAMED: 0x01, FRAMED: 0x02 } as const;
export type ContentType = (typeof ContentType)[keyof typeof ContentType];

const V1_TYPE_CUSTOMER_AE_DATA = 0x80;
const MESSAGE_ID_LENGTH = { 1: 16, 2: 32 } as const;

export interface MessageHeader {
  readonly version: 1 | 2;
  readonly suite: AlgorithmSuite;
  readonly messageId: Buffer;
  readonly encryptionContext: EncryptionContext;
  readonly encryptedDataKeys: readonly EncryptedDataKey[];
  readonly contentType: ContentType;
  /** Plaintext bytes per frame; 0 for non-framed bodies. */
  readonly frameLength: number;
  /** v2 only: the commitment key. Empty for v1. */
  readonly suiteData: Buffer;
}

export interface HeaderLimits {
  readonly maxEncryptedDataKeys: number;
  readonly maxFrameLength: number;
}

/** A parsed header with the exact bytes its authentication tag covers. */
export interface ParsedHeader {
  readonly header: MessageHeader;
  /** The serialized header, without the authentication section. */
  readonly headerBytes: Buffer;
  readonly headerIv: Buffer;
  readonly headerTag: Buffer;
  /** The header and its authentication section exactly as read (the bytes a signature covers). */
  readonly raw: Buffer;
  /** Bytes consumed: header plus its authentication section. */
  readonly length: number;
}

export function messageIdLength(version: 1 | 2): number {
  return MESSAGE_ID_LENGTH[version];
}

/**
 * The header's bytes; with `authLength`, that many bytes are left at the end for the authentication
 * section, which the caller writes (so header and tag need no concatenation).
 */
export function serializeHeader(header: MessageHeader, authLength = 0): Buffer {
  const context = serializeEncryptionContext(header.encryptionContext);
  const edks = serializeEncryptedDataKeys(header.encryptedDataKeys);
  const { messageId, suiteData, version } = header;
  // Written into one buffer: the header is built once per message, and one allocation beats a dozen.
  const out = Buffer.allocUnsafe(
    (version === 2 ? 3 : 4) +
      messageId.length +
      2 +
      context.length +
      edks.length +
      1 +
      (version === 2 ? 4 + suiteData.length : 4 + 1 + 4) +
      authLength,
  );
  let at =
    version === 2 ? out.writeUInt8(2, 0) : out.writeUInt8(V1_TYPE_CUSTOMER_AE_DATA, out.writeUInt8(1, 0));
  at = out.writeUInt16BE(header.suite.id, at);
  at += messageId.copy(out, at);
  at = out.writeUInt16BE(context.length, at);
  at += context.copy(out, at);
  at += edks.copy(out, at);
  at = out.writeUInt8(header.contentType, at);
  if (version === 2) {
    at = out.writeUInt32BE(header.frameLength, at);
    suiteData.copy(out, at);
    return out;
  }
  at = out.writeUInt32BE(0, at); // reserved
  at = out.writeUInt8(header.suite.ivLength, at);
  out.writeUInt32BE(header.frameLength, at);
  return out;
}

/**
 * Parses a header and its authentication section from the start of `buffer`. Throws
 * {@link TruncatedInput} when more bytes are needed, {@link HeaderFormatError} when a field is wrong.
 */
export function parseHeader(buffer: Buffer, limits: HeaderLimits): ParsedHeader {
  const reader: ByteReader = new ByteReader(buffer);
  const versionByte = reader.uint8();
  if (versionByte !== 1 && versionByte !== 2) {
    reader.fail(
      'version',
      0,
      `is 0x${versionByte.toString(16).padStart(2, '0')}; expected 0x01 or 0x02 (is this an Envelope / AWS Encryption SDK message?)`,
    );
  }
  const version: 1 | 2 = versionByte;
  if (version === 1) {
    const type = reader.uint8();
    if (type !== V1_TYPE_CUSTOMER_AE_DATA) reader.fail('type', 1, `is 0x${type.toString(16)}; expected 0x80`);
  }
  const suiteAt = reader.offset;
  const suiteId = reader.uint16();
  if (!isKnownSuiteId(suiteId))
    reader.fail('algorithm suite', suiteAt, `${formatSuiteId(suiteId)} is unknown`);
  const suite = getSuite(suiteId);
  if (suite.messageFormat !== version) {
    reader.fail(
      'algorithm suite',
      suiteAt,
      `${formatSuiteId(suiteId)} is not valid in a version ${version} message`,
    );
  }
  const messageIdAt = reader.skip(messageIdLength(version));
  const encryptionContext = readEncryptionContext(reader);
  const encryptedDataKeys = readEncryptedDataKeys(reader, limits.maxEncryptedDataKeys);
  const contentTypeAt = reader.offset;
  const contentTypeByte = reader.uint8();
  if (contentTypeByte !== ContentType.FRAMED && contentTypeByte !== ContentType.NON_FRAMED) {
    reader.fail('content type', contentTypeAt, `is 0x${contentTypeByte.toString(16)}; expected 0x01 or 0x02`);
  }
  const contentType: ContentType = contentTypeByte;
  if (version === 1) {
    const reservedAt = reader.offset;
    if (reader.uint32() !== 0) reader.fail('reserved', reservedAt, 'is not zero');
    const ivAt = reader.offset;
    const ivLength = reader.uint8();
    if (ivLength !== suite.ivLength)
      reader.fail('IV length', ivAt, `is ${ivLength}; expected ${suite.ivLength}`);
  }
  const frameLengthAt = reader.offset;
  const frameLength = reader.uint32();
  checkFrameLength(reader, contentType, frameLength, frameLengthAt, limits);
  // The fields below are read from the copy made next, not from the input: skipped here.
  const suiteDataAt = reader.skip(suite.suiteDataLength);
  const headerEnd = reader.offset;
  if (version === 1) reader.skip(suite.ivLength);
  const tagAt = reader.skip(suite.tagLength);
  // One copy of the header and its authentication section (the input may be a reused streaming
  // buffer); the fields below are views of it.
  const raw = Buffer.from(buffer.subarray(0, reader.offset));
  return {
    header: Object.freeze({
      version,
      suite,
      messageId: raw.subarray(messageIdAt, messageIdAt + messageIdLength(version)),
      encryptionContext,
      encryptedDataKeys: Object.freeze(encryptedDataKeys),
      contentType,
      frameLength,
      suiteData: raw.subarray(suiteDataAt, headerEnd),
    }),
    headerBytes: raw.subarray(0, headerEnd),
    headerIv: version === 1 ? raw.subarray(headerEnd, tagAt) : Buffer.alloc(suite.ivLength),
    headerTag: raw.subarray(tagAt),
    raw,
    length: reader.offset,
  };
}

function checkFrameLength(
  reader: ByteReader,
  contentType: number,
  frameLength: number,
  at: number,
  limits: HeaderLimits,
): void {
  if (contentType === ContentType.NON_FRAMED) {
    if (frameLength !== 0)
      reader.fail('frame length', at, `is ${frameLength}; must be 0 for a non-framed body`);
    return;
  }
  if (frameLength === 0) reader.fail('frame length', at, 'is 0; a framed body needs a positive frame length');
  if (frameLength > limits.maxFrameLength) {
    throw new LimitExceededError(
      `The message's frame length ${frameLength} exceeds this reader's maxFrameLength ${limits.maxFrameLength}; a frame is held in memory until its tag verifies (raise maxFrameLength if the message is trusted).`,
    );
  }
}

/**
 * The header authentication tag: AES-GCM over no plaintext with the header (and, for v2, any
 * required encryption context not stored in the message) as AAD. v2 uses an all-zero IV.
 */
export function computeHeaderTag(
  suite: AlgorithmSuite,
  encryptionKey: Buffer,
  headerBytes: Buffer,
  iv: Buffer,
  requiredContext: Buffer = Buffer.alloc(0),
): Buffer {
  const cipher = createCipheriv(suite.cipher, encryptionKey, iv, { authTagLength: suite.tagLength });
  cipher.setAAD(headerAad(headerBytes, requiredContext));
  cipher.final();
  return cipher.getAuthTag();
}

/** The header tag's AAD: the header, then any required encryption context (copied only then). */
function headerAad(headerBytes: Buffer, requiredContext: Buffer): Buffer {
  return requiredContext.length === 0 ? headerBytes : Buffer.concat([headerBytes, requiredContext]);
}

/**
 * `requiredContext` is the serialized required encryption context (pairs authenticated but not
 * stored; empty when there are none): the tag's AAD is the header followed by it.
 */
export function verifyHeaderTag(
  parsed: ParsedHeader,
  encryptionKey: Buffer,
  requiredContext: Buffer = Buffer.alloc(0),
): void {
  const { suite } = parsed.header;
  const decipher = createDecipheriv(suite.cipher, encryptionKey, parsed.headerIv, {
    authTagLength: suite.tagLength,
  });
  decipher.setAAD(headerAad(parsed.headerBytes, requiredContext));
  decipher.setAuthTag(parsed.headerTag);
  try {
    decipher.final();
  } catch (cause) {
    throw new DecryptionFailedError({ cause });
  }
}
