import { HeaderFormatError } from '../errors.js';

/** Thrown by {@link ByteReader} when the buffer ends before a field does; streaming callers read more. */
export class TruncatedInput extends Error {
  constructor(readonly needed: number) {
    super(`Input truncated: ${needed} more bytes needed`);
  }
}

/**
 * Sequential big-endian reader over one buffer. Every read names the field it reads so a parse error
 * can say which field at which offset was wrong. Returned slices are views, not copies.
 */
export class ByteReader {
  offset = 0;

  constructor(readonly buffer: Buffer) {}

  get remaining(): number {
    return this.buffer.length - this.offset;
  }

  private take(length: number): number {
    const start = this.offset;
    if (length > this.remaining) throw new TruncatedInput(length - this.remaining);
    this.offset += length;
    return start;
  }

  uint8(): number {
    return this.buffer.readUInt8(this.take(1));
  }

  uint16(): number {
    return this.buffer.readUInt16BE(this.take(2));
  }

  uint32(): number {
    return this.buffer.readUInt32BE(this.take(4));
  }

  /** 64-bit length; rejected when it exceeds what a JavaScript number holds exactly. */
  uint64(field: string): number {
    const at = this.offset;
    const value = this.buffer.readBigUInt64BE(this.take(8));
    if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new HeaderFormatError(field, at, 'is too large');
    return Number(value);
  }

  /** Moves past a field the caller reads later (or never) from a copy; returns where it starts. */
  skip(length: number): number {
    return this.take(length);
  }

  bytes(length: number): Buffer {
    const start = this.take(length);
    return this.buffer.subarray(start, start + length);
  }

  /** A 2-byte length followed by that many bytes. */
  lengthPrefixed(): Buffer {
    return this.bytes(this.uint16());
  }

  fail(field: string, at: number, problem: string): never {
    throw new HeaderFormatError(field, at, problem);
  }
}

export function uint16(value: number): Buffer {
  const out = Buffer.allocUnsafe(2);
  out.writeUInt16BE(value);
  return out;
}

export function uint32(value: number): Buffer {
  const out = Buffer.allocUnsafe(4);
  out.writeUInt32BE(value);
  return out;
}

export function uint64(value: number): Buffer {
  const out = Buffer.allocUnsafe(8);
  out.writeBigUInt64BE(BigInt(value));
  return out;
}
