import { BodyFormatError, LimitExceededError } from '../errors.js';
import { BodyAadContent, bodyAad, FINAL_FRAME_MARKER, MAX_NON_FRAMED_CONTENT } from '../format/body.js';
import { ContentType, type MessageHeader } from '../format/header.js';
import type { ChunkQueue } from './chunk-queue.js';

/** One frame's structure; its content and tag are read next with {@link FrameReader.content}. */
export interface FrameInfo {
  readonly final: boolean;
  readonly sequenceNumber: number;
  readonly iv: Buffer;
  /** Plaintext (= ciphertext) bytes in the frame. */
  readonly length: number;
  /** The body AAD this frame's tag authenticates. */
  readonly aad: Buffer;
}

export interface FrameContent {
  readonly ciphertext: Buffer[];
  readonly tag: Buffer;
}

/**
 * Walks the body's frame structure (data-format/message-body.md) without decrypting: checks
 * sequence numbers and lengths, and hands every consumed byte to `onBytes` (the signature verifier,
 * or a rewrap's output). Decrypt and rewrap share it.
 */
export class FrameReader {
  constructor(
    private readonly queue: ChunkQueue,
    private readonly header: MessageHeader,
    private readonly maxFrameLength: number,
    private readonly onBytes: (piece: Buffer) => void,
  ) {}

  #expected = 1;
  #done = false;

  /** Yields each frame's structure; the consumer must read its content before asking for the next. */
  async *frames(): AsyncGenerator<FrameInfo> {
    for (;;) {
      const frame = await this.next();
      if (!frame) return;
      yield frame;
    }
  }

  /**
   * The next frame's structure, or undefined after the final frame; the consumer must read its
   * content before asking for the next. Synchronous when the frame's header fields are already
   * buffered (a message in memory), so a frame costs no trip through the event loop.
   */
  next(): FrameInfo | undefined | Promise<FrameInfo | undefined> {
    if (this.#done) return undefined;
    if (this.header.contentType === ContentType.NON_FRAMED) return this.#nonFramed();
    // A final frame's header is the longest: marker, sequence number, IV, content length.
    const longest = 12 + this.header.suite.ivLength;
    if (this.queue.buffered >= longest) return this.#frameHeader();
    // Waits for as much as the longest header (or the end of the source); then every field is
    // buffered or the message is truncated, which #now reports by field.
    return this.queue.ensure(longest).then(() => this.#frameHeader());
  }

  #frameHeader(): FrameInfo {
    const { messageId, suite, frameLength } = this.header;
    const expected = this.#expected++;
    const marker = this.#now(4, 'frame sequence number').readUInt32BE(0);
    const final = marker === FINAL_FRAME_MARKER;
    const seq = final ? this.#now(4, 'final frame sequence number').readUInt32BE(0) : marker;
    if (seq !== expected) {
      throw new BodyFormatError(`Frame sequence number ${seq} is out of order; expected ${expected}.`);
    }
    const iv = this.#now(suite.ivLength, 'frame IV');
    let length = frameLength;
    if (final) {
      length = this.#now(4, 'final frame content length').readUInt32BE(0);
      if (length > frameLength) {
        throw new BodyFormatError(
          `The final frame claims ${length} bytes, more than the frame length ${frameLength}.`,
        );
      }
      this.#done = true;
    }
    const aad = bodyAad(messageId, final ? BodyAadContent.FINAL_FRAME : BodyAadContent.FRAME, seq, length);
    return { final, sequenceNumber: seq, iv, length, aad };
  }

  async #nonFramed(): Promise<FrameInfo> {
    this.#done = true;
    const { messageId, suite } = this.header;
    const iv = await this.#field(suite.ivLength, 'body IV');
    const length = Number((await this.#field(8, 'body content length')).readBigUInt64BE(0));
    if (length > MAX_NON_FRAMED_CONTENT)
      throw new BodyFormatError(`Non-framed content length ${length} is invalid.`);
    if (length > this.maxFrameLength) {
      throw new LimitExceededError(
        `The non-framed body of ${length} bytes exceeds maxFrameLength ${this.maxFrameLength}.`,
      );
    }
    const aad = bodyAad(messageId, BodyAadContent.SINGLE_BLOCK, 1, length);
    return { final: true, sequenceNumber: 1, iv, length, aad };
  }

  /**
   * The frame's ciphertext and tag, as views of the input (no copy). Synchronous when they are
   * already buffered (a message in memory), so a frame costs no extra trip through the event loop.
   */
  content(frame: FrameInfo): FrameContent | Promise<FrameContent> {
    const length = frame.length + this.header.suite.tagLength;
    if (this.queue.buffered >= length) return this.#split(frame, this.#take(length));
    return this.#pieces(length, 'frame content').then((pieces) => this.#split(frame, pieces));
  }

  #split(frame: FrameInfo, pieces: Buffer[]): FrameContent {
    const ciphertext: Buffer[] = [];
    const tagParts: Buffer[] = [];
    let left = frame.length;
    for (const piece of pieces) {
      const content = piece.subarray(0, Math.min(left, piece.length));
      if (content.length) ciphertext.push(content);
      if (content.length < piece.length) tagParts.push(piece.subarray(content.length));
      left -= content.length;
    }
    return { ciphertext, tag: tagParts.length === 1 ? tagParts[0]! : Buffer.concat(tagParts) };
  }

  /** Reads the footer (signed suites): its raw bytes are not passed to `onBytes`. */
  async footer(): Promise<Buffer> {
    if (!(await this.queue.ensure(2)))
      throw new BodyFormatError('The signed message ends before its footer.');
    const length = this.queue.take(2).readUInt16BE(0);
    if (!(await this.queue.ensure(length)))
      throw new BodyFormatError('The message ends inside its signature.');
    return Buffer.from(this.queue.take(length));
  }

  /** Throws unless the input ends here; synchronous when the queue can tell at once (see {@link ChunkQueue.ensureNow}). */
  assertEnd(): void | Promise<void> {
    const atEnd = this.queue.atEnd();
    if (atEnd instanceof Promise) return atEnd.then(assertEnded);
    assertEnded(atEnd);
  }

  async #pieces(length: number, field: string): Promise<Buffer[]> {
    if (!(await this.queue.ensure(length)))
      throw new BodyFormatError(`The message ends inside the ${field}.`);
    return this.#take(length);
  }

  /** Takes `length` buffered bytes, handing each piece to `onBytes`. */
  #take(length: number): Buffer[] {
    const pieces = this.queue.takePieces(length);
    for (const piece of pieces) this.onBytes(piece);
    return pieces;
  }

  /** A small field the caller made sure is buffered, unless the source ended first. */
  #now(length: number, field: string): Buffer {
    if (this.queue.buffered < length) throw new BodyFormatError(`The message ends inside the ${field}.`);
    return join(this.#take(length));
  }

  /** A small field: taken at once when buffered, else after waiting for the source. */
  #field(length: number, field: string): Buffer | Promise<Buffer> {
    if (this.queue.buffered >= length) return join(this.#take(length));
    return this.#pieces(length, field).then(join);
  }
}

function assertEnded(atEnd: boolean): void {
  if (!atEnd) throw new BodyFormatError('Unexpected bytes after the end of the message.');
}

function join(pieces: Buffer[]): Buffer {
  return pieces.length === 1 ? pieces[0]! : Buffer.concat(pieces);
}
