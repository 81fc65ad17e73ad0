import { BodyFormatError, InvalidArgumentError } from '../errors.js';
import { type FrameSizes, finalFrameBytes, MAX_FRAME_COUNT, regularFrameBytes } from '../format/body.js';
import { framesPerJob } from './parallel-options.js';

/**
 * A framed body's shape (data-format/message-body.md): `regular` full frames of `frameLength`
 * bytes, then the final frame with `finalLength` (0 … frameLength) bytes of content.
 */
export interface BodyShape {
  readonly regular: number;
  readonly finalLength: number;
}

/**
 * One file job: frames `firstSequenceNumber` … of a run (`regular` full frames, then the final frame
 * when `final`), whose plaintext lies at `plaintextOffset` of the plaintext file and whose frames at
 * `ciphertextOffset` of the message file. Frames have fixed places: nothing is read to find them.
 */
export interface FileJob {
  readonly firstSequenceNumber: number;
  readonly regular: number;
  readonly final: boolean;
  readonly finalLength: number;
  readonly plaintextOffset: number;
  readonly ciphertextOffset: number;
}

/**
 * How the one-thread writer cuts `plaintextLength` bytes: full frames, then a final frame with the
 * rest (empty when the length is a multiple of the frame length).
 */
export function shapeForPlaintext(plaintextLength: number, frameLength: number): BodyShape {
  const regular = Math.floor(plaintextLength / frameLength);
  if (regular + 1 > MAX_FRAME_COUNT) {
    throw new InvalidArgumentError('The message would exceed 2^32 - 2 frames; use a larger frameLength.');
  }
  return { regular, finalLength: plaintextLength - regular * frameLength };
}

/**
 * The only shape a framed body of `bodyLength` bytes can have (a final frame is shorter than a
 * regular frame plus its 8 extra header bytes, so the split is unique). The arithmetic is a claim,
 * not a check: every frame header read later must agree with it (sequence number, final marker,
 * content length), which is what catches a swapped, dropped or inserted frame of the right size.
 */
export function shapeForBody(bodyLength: number, frameLength: number, sizes: FrameSizes): BodyShape {
  const emptyFinal = finalFrameBytes(sizes, 0);
  if (bodyLength < emptyFinal) {
    throw new BodyFormatError(
      `The message ends inside its body: ${bodyLength} bytes after the header, fewer than the ${emptyFinal} of an empty final frame.`,
    );
  }
  const regular = Math.floor((bodyLength - emptyFinal) / regularFrameBytes(sizes, frameLength));
  const finalLength = bodyLength - emptyFinal - regular * regularFrameBytes(sizes, frameLength);
  if (finalLength > frameLength) {
    throw new BodyFormatError(
      `The message body's length (${bodyLength} bytes) fits no whole number of ${frameLength}-byte frames: the file is truncated or has bytes appended.`,
    );
  }
  if (regular + 1 > MAX_FRAME_COUNT) {
    throw new BodyFormatError(`The message body claims ${regular + 1} frames, more than 2^32 - 2.`);
  }
  return { regular, finalLength };
}

/**
 * The jobs of a body, in order: runs of about JOB_BYTES of plaintext, the last one carrying the final
 * frame. Sequence numbers are handed out here, each once: frame n is (content key, IV n).
 */
export function* fileJobs(
  shape: BodyShape,
  frameLength: number,
  headerLength: number,
  sizes: FrameSizes,
): Generator<FileJob> {
  const perJob = framesPerJob(frameLength);
  const frameBytes = regularFrameBytes(sizes, frameLength);
  let done = 0;
  for (;;) {
    const regular = Math.min(perJob, shape.regular - done);
    const final = done + regular === shape.regular;
    yield {
      firstSequenceNumber: done + 1,
      regular,
      final,
      finalLength: final ? shape.finalLength : 0,
      plaintextOffset: done * frameLength,
      ciphertextOffset: headerLength + done * frameBytes,
    };
    done += regular;
    if (final) return;
  }
}
