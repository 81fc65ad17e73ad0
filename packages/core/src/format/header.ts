import { createCipheriv, createDecipheriv } from 'node:crypto';
import { DecryptionFailedError, LimitExceededError } from '../errors.js';
import { type AlgorithmSuite, formatSuiteId, getSuite, isKnownSuiteId } from '../suites/algorithm-suites.js';
import { ByteReader, uint16, uint32 } from './byte-reader.js';
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
  /** Bytes consumed: header plus its authentication section. */
  readonly length: number;
}

export function messageIdLength(version: 1 | 2): number {
  return MESSAGE_ID_LENGTH[version];
}

export function serializeHeader(header: MessageHeader): Buffer {
  const common = [
    header.messageId,
    withLength(serializeEncryptionContext(header.encryptionContext)),
    serializeEncryptedDataKeys(header.encryptedDataKeys),
    Buffer.of(header.contentType),
  ];
  if (header.version === 2) {
    return Buffer.concat([
      Buffer.of(2),
      uint16(header.suite.id),
      ...common,
      uint32(header.frameLength),
      header.suiteData,
    ]);
  }
  return Buffer.concat([
    Buffer.of(1, V1_TYPE_CUSTOMER_AE_DATA),
    uint16(header.suite.id),
    ...common,
    Buffer.alloc(4), // reserved
    Buffer.of(header.suite.ivLength),
    uint32(header.frameLength),
  ]);
}

function withLength(aad: Buffer): Buffer {
  return Buffer.concat([uint16(aad.length), aad]);
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
  const messageId = Buffer.from(reader.bytes(messageIdLength(version)));
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
  const suiteData = Buffer.from(reader.bytes(suite.suiteDataLength));
  const headerEnd = reader.offset;
  const headerIv = version === 1 ? Buffer.from(reader.bytes(suite.ivLength)) : Buffer.alloc(suite.ivLength);
  const headerTag = Buffer.from(reader.bytes(suite.tagLength));
  return {
    header: Object.freeze({
      version,
      suite,
      messageId,
      encryptionContext,
      encryptedDataKeys: Object.freeze(encryptedDataKeys),
      contentType,
      frameLength,
      suiteData,
    }),
    headerBytes: Buffer.from(buffer.subarray(0, headerEnd)),
    headerIv,
    headerTag,
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
  cipher.setAAD(Buffer.concat([headerBytes, requiredContext]));
  cipher.final();
  return cipher.getAuthTag();
}

export function serializeHeaderAuth(version: 1 | 2, iv: Buffer, tag: Buffer): Buffer {
  return version === 1 ? Buffer.concat([iv, tag]) : tag;
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
  decipher.setAAD(Buffer.concat([parsed.headerBytes, requiredContext]));
  decipher.setAuthTag(parsed.headerTag);
  try {
    decipher.final();
  } catch (cause) {
    throw new DecryptionFailedError({ cause });
  }
}
