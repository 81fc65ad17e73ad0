import { uint16, uint32, uint64 } from './byte-reader.js';

// data-format/message-body.md and message-body-aad.md

/** Marks a final frame: its header starts with this in place of a sequence number. */
export const FINAL_FRAME_MARKER = 0xffffffff;
export const MAX_FRAME_COUNT = 0xffffffff - 1;
/** GCM allows at most 2^36 - 32 bytes under one IV; the limit for a non-framed body. */
export const MAX_NON_FRAMED_CONTENT = 2 ** 36 - 32;

export const BodyAadContent = {
  FRAME: Buffer.from('AWSKMSEncryptionClient Frame', 'utf8'),
  FINAL_FRAME: Buffer.from('AWSKMSEncryptionClient Final Frame', 'utf8'),
  SINGLE_BLOCK: Buffer.from('AWSKMSEncryptionClient Single Block', 'utf8'),
} as const;

/** The IV of frame `sequenceNumber`: zeros with the sequence number in the last four bytes. */
export function frameIv(ivLength: number, sequenceNumber: number): Buffer {
  const iv = Buffer.alloc(ivLength);
  iv.writeUInt32BE(sequenceNumber, ivLength - 4);
  return iv;
}

/** Body AAD: message id || content string || sequence number (4) || content length (8). */
export function bodyAad(
  messageId: Buffer,
  content: Buffer,
  sequenceNumber: number,
  contentLength: number,
): Buffer {
  return Buffer.concat([messageId, content, uint32(sequenceNumber), uint64(contentLength)]);
}

export function regularFrameHeader(sequenceNumber: number, iv: Buffer): Buffer {
  return Buffer.concat([uint32(sequenceNumber), iv]);
}

export function finalFrameHeader(sequenceNumber: number, iv: Buffer, contentLength: number): Buffer {
  return Buffer.concat([uint32(FINAL_FRAME_MARKER), uint32(sequenceNumber), iv, uint32(contentLength)]);
}

/** data-format/message-footer.md: signature length (2) || DER signature. */
export function serializeFooter(signature: Buffer): Buffer {
  return Buffer.concat([uint16(signature.length), signature]);
}
