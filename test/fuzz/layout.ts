import { parseHeader } from '@envelope/core';

// Byte offsets of a well-formed message, from the AWS Encryption SDK specification:
// data-format/message-header.md, message-body.md and message-footer.md.

/** A length or count field the structure-aware mutators may set to extreme values. */
export interface LengthField {
  readonly name: string;
  readonly at: number;
  readonly size: 2 | 4 | 8;
}

export interface Span {
  readonly start: number;
  readonly end: number;
}

export interface FrameSpan extends Span {
  readonly final: boolean;
  readonly sequenceNumber: number;
  /** Offset of the 4-byte sequence number (after the final-frame marker for a final frame). */
  readonly sequenceAt: number;
  /** The plaintext bytes this frame carries, as offsets into the message's plaintext. */
  readonly plainStart: number;
  readonly plainEnd: number;
}

export interface MessageLayout {
  readonly version: 1 | 2;
  readonly signed: boolean;
  readonly framed: boolean;
  readonly suiteAt: number;
  readonly messageId: Span;
  readonly context: Span;
  /** Each `aws-crypto-public-key` value and other context values, for targeted edits. */
  readonly contextValues: readonly (Span & { readonly key: string })[];
  readonly edkCountAt: number;
  readonly edks: readonly Span[];
  readonly contentTypeAt: number;
  /** Single-byte fields whose values are enumerated (version, type, content type, IV length). */
  readonly byteFields: readonly number[];
  readonly lengthFields: readonly LengthField[];
  /** End of the header bytes the tag covers; the authentication section follows. */
  readonly headerEnd: number;
  /** End of the header's authentication section: the first body byte. */
  readonly bodyStart: number;
  readonly frames: readonly FrameSpan[];
  readonly footer: Span | undefined;
}

const NO_LIMITS = { maxEncryptedDataKeys: 0xffff, maxFrameLength: 0xffffffff };
const FINAL_FRAME_MARKER = 0xffffffff;

/** Maps a well-formed message. Throws if it is not one (seeds only; mutants are never mapped). */
export function layoutOf(message: Buffer): MessageLayout {
  const parsed = parseHeader(message, NO_LIMITS);
  const { header } = parsed;
  const { version, suite } = header;
  const lengthFields: LengthField[] = [];
  const byteFields = version === 1 ? [0, 1] : [0];
  const suiteAt = version === 1 ? 2 : 1;
  const messageId = { start: suiteAt + 2, end: suiteAt + 2 + (version === 1 ? 16 : 32) };

  let at = messageId.end;
  lengthFields.push({ name: 'context length', at, size: 2 });
  const contextLength = message.readUInt16BE(at);
  const context = { start: at + 2, end: at + 2 + contextLength };
  const contextValues: (Span & { key: string })[] = [];
  if (contextLength > 0) {
    lengthFields.push({ name: 'context pair count', at: context.start, size: 2 });
    let p = context.start + 2;
    while (p < context.end) {
      lengthFields.push({ name: 'context key length', at: p, size: 2 });
      const keyLength = message.readUInt16BE(p);
      const key = message.toString('utf8', p + 2, p + 2 + keyLength);
      p += 2 + keyLength;
      lengthFields.push({ name: 'context value length', at: p, size: 2 });
      const valueLength = message.readUInt16BE(p);
      contextValues.push({ key, start: p + 2, end: p + 2 + valueLength });
      p += 2 + valueLength;
    }
  }

  at = context.end;
  const edkCountAt = at;
  lengthFields.push({ name: 'encrypted data key count', at, size: 2 });
  at += 2;
  const edks: Span[] = [];
  for (let i = 0; i < header.encryptedDataKeys.length; i++) {
    const start = at;
    for (const part of ['provider id', 'provider info', 'ciphertext']) {
      lengthFields.push({ name: `encrypted data key ${part} length`, at, size: 2 });
      at += 2 + message.readUInt16BE(at);
    }
    edks.push({ start, end: at });
  }
  const contentTypeAt = at;
  byteFields.push(at);
  at += 1;
  if (version === 1) {
    at += 4; // reserved
    byteFields.push(at); // IV length
    at += 1;
  }
  lengthFields.push({ name: 'frame length', at, size: 4 });
  at += 4 + suite.suiteDataLength;
  const headerEnd = at;
  if (headerEnd !== parsed.headerBytes.length) throw new Error('layout disagrees with parseHeader');
  const bodyStart = parsed.length;

  const frames: FrameSpan[] = [];
  const framed = header.frameLength > 0;
  at = bodyStart;
  let plain = 0;
  if (!framed) {
    lengthFields.push({ name: 'non-framed content length', at: at + 12, size: 8 });
    const length = Number(message.readBigUInt64BE(at + 12));
    const end = at + 20 + length + 16;
    frames.push({
      start: at,
      end,
      final: true,
      sequenceNumber: 1,
      sequenceAt: -1,
      plainStart: 0,
      plainEnd: length,
    });
    at = end;
  } else {
    for (let seq = 1; ; seq++) {
      const start = at;
      if (message.readUInt32BE(at) === FINAL_FRAME_MARKER) {
        lengthFields.push({ name: 'final frame content length', at: at + 20, size: 4 });
        const length = message.readUInt32BE(at + 20);
        at += 24 + length + 16;
        frames.push({
          start,
          end: at,
          final: true,
          sequenceNumber: seq,
          sequenceAt: start + 4,
          plainStart: plain,
          plainEnd: plain + length,
        });
        break;
      }
      at += 16 + header.frameLength + 16;
      frames.push({
        start,
        end: at,
        final: false,
        sequenceNumber: seq,
        sequenceAt: start,
        plainStart: plain,
        plainEnd: plain + header.frameLength,
      });
      plain += header.frameLength;
    }
  }
  let footer: Span | undefined;
  if (suite.signature) {
    lengthFields.push({ name: 'signature length', at, size: 2 });
    footer = { start: at, end: at + 2 + message.readUInt16BE(at) };
    at = footer.end;
  }
  if (at !== message.length) throw new Error(`layout ends at ${at}, message at ${message.length}`);
  return {
    version,
    signed: suite.signature !== undefined,
    framed,
    suiteAt,
    messageId,
    context,
    contextValues,
    edkCountAt,
    edks,
    contentTypeAt,
    byteFields,
    lengthFields,
    headerEnd,
    bodyStart,
    frames,
    footer,
  };
}
