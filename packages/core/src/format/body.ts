import { uint16 } from './byte-reader.js';

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

/**
 * Body AAD: message id || content string || sequence number (4) || content length (8). Written into
 * one buffer: this runs once per frame, where a concatenation of four fresh buffers showed up in
 * profiles.
 */
export function bodyAad(
  messageId: Buffer,
  content: Buffer,
  sequenceNumber: number,
  contentLength: number,
): Buffer {
  const aad = Buffer.allocUnsafe(messageId.length + content.length + 12);
  aad.set(messageId, 0);
  aad.set(content, messageId.length);
  writeSequenceAndLength(aad, sequenceNumber, contentLength);
  return aad;
}

/** Rewrites the last 12 bytes of a body AAD: sequence number (4) || content length (8). */
export function writeSequenceAndLength(aad: Buffer, sequenceNumber: number, contentLength: number): void {
  const at = aad.length - 12;
  aad.writeUInt32BE(sequenceNumber, at);
  // A uint64 as two uint32 halves: lengths stay below 2^53, so the division is exact.
  aad.writeUInt32BE(Math.floor(contentLength / 2 ** 32), at + 4);
  aad.writeUInt32BE(contentLength >>> 0, at + 8);
}

/** Regular frame header: sequence number (4) || IV. */
export function regularFrameHeader(sequenceNumber: number, iv: Buffer): Buffer {
  const header = Buffer.allocUnsafe(4 + iv.length);
  header.writeUInt32BE(sequenceNumber, 0);
  header.set(iv, 4);
  return header;
}

/** Final frame header: marker (4) || sequence number (4) || IV || content length (4). */
export function finalFrameHeader(sequenceNumber: number, iv: Buffer, contentLength: number): Buffer {
  const header = Buffer.allocUnsafe(12 + iv.length);
  header.writeUInt32BE(FINAL_FRAME_MARKER, 0);
  header.writeUInt32BE(sequenceNumber, 4);
  header.set(iv, 8);
  header.writeUInt32BE(contentLength, 8 + iv.length);
  return header;
}

/** The two lengths of a framed body's layout that the file mode needs from the suite. */
export interface FrameSizes {
  readonly ivLength: number;
  readonly tagLength: number;
}

/** Bytes of a regular frame: sequence number (4) || IV || content || tag. */
export function regularFrameBytes(sizes: FrameSizes, frameLength: number): number {
  return 4 + sizes.ivLength + frameLength + sizes.tagLength;
}

/** Bytes of a final frame: marker (4) || sequence number (4) || IV || content length (4) || content || tag. */
export function finalFrameBytes(sizes: FrameSizes, finalLength: number): number {
  return 12 + sizes.ivLength + finalLength + sizes.tagLength;
}

/**
 * Bytes of a framed body holding `plaintextLength` bytes (message-body.md): as many full regular
 * frames as fit, then the final frame (possibly empty) with the rest.
 */
export function framedBodyLength(plaintextLength: number, frameLength: number, sizes: FrameSizes): number {
  const fullFrames = Math.floor(plaintextLength / frameLength);
  return (
    fullFrames * regularFrameBytes(sizes, frameLength) +
    finalFrameBytes(sizes, plaintextLength - fullFrames * frameLength)
  );
}

/**
 * The plaintext length a framed body claims, read from its frame structure without decrypting (the
 * inverse of {@link framedBodyLength}): every regular frame has the same size, so the final frame
 * starts at a multiple of it, where its marker and content length are. Costs one read per frame.
 * Undefined when `body` holds no final frame where one could start. The bytes are not authenticated
 * yet: a size for an allocation (at most `body.length` + `frameLength`: a forged final frame may claim
 * more content than follows it), never a result.
 */
export function framedPlaintextLength(
  body: Buffer,
  frameLength: number,
  sizes: FrameSizes,
): number | undefined {
  const regularFrame = regularFrameBytes(sizes, frameLength);
  // A final frame's header: marker (4), sequence number (4), IV, content length (4).
  for (let at = 0, frames = 0; at + 12 + sizes.ivLength <= body.length; at += regularFrame, frames++) {
    if (body.readUInt32BE(at) === FINAL_FRAME_MARKER) {
      const last = body.readUInt32BE(at + 8 + sizes.ivLength);
      return last <= frameLength ? frames * frameLength + last : undefined;
    }
  }
  return undefined;
}

/** The longest footer: signature length (2) and a DER ECDSA signature (at most 139 bytes, P-521). */
export const MAX_FOOTER_LENGTH = 2 + 139;

/**
 * An upper bound of a framed message's length once its header is written: the header, the framed
 * body of `plaintextLength` bytes and, for a signed suite, the longest footer.
 */
export function framedMessageLengthBound(
  suite: { readonly ivLength: number; readonly tagLength: number; readonly signature?: unknown },
  frameLength: number,
  headerLength: number,
  plaintextLength: number,
): number {
  return (
    headerLength +
    framedBodyLength(plaintextLength, frameLength, suite) +
    (suite.signature ? MAX_FOOTER_LENGTH : 0)
  );
}

/** data-format/message-footer.md: signature length (2) || DER signature. */
export function serializeFooter(signature: Buffer): Buffer {
  return Buffer.concat([uint16(signature.length), signature]);
}
