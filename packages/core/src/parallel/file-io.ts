import {
  closeSync,
  constants,
  fstatSync,
  ftruncateSync,
  openSync,
  read,
  rmSync,
  type Stats,
  writeSync,
} from 'node:fs';
import { promisify } from 'node:util';
import { InvalidArgumentError } from '../errors.js';

/** The two files of a file-mode operation, opened by the main thread; the workers use the descriptors. */
export interface FilePair {
  readonly input: number;
  readonly output: number;
  /** The input's size when it was opened. */
  readonly inputSize: number;
}

/**
 * Opens `inputPath` (a regular file) and creates `outputPath` (mode 0600; an existing output must be
 * an empty file, such as a temporary file made for it),
 * runs `body`, and closes both. When `body` fails, the output file is removed, so a failed operation
 * never leaves part of a message or unauthenticated plaintext behind.
 */
export async function withFiles<T>(
  inputPath: string,
  outputPath: string,
  body: (files: FilePair) => Promise<T>,
): Promise<T> {
  const input = openSync(inputPath, 'r');
  let output: number | undefined;
  try {
    const info = fstatSync(input);
    if (!info.isFile()) throw new InvalidArgumentError(`Input ${inputPath} is not a regular file.`);
    output = openOutput(outputPath, info);
    try {
      return await body({ input, output, inputSize: info.size });
    } catch (error) {
      // Emptied through the descriptor before the path is removed: whatever the path names by now,
      // the bytes this operation wrote are gone.
      ftruncateSync(output);
      closeSync(output);
      output = undefined;
      rmSync(outputPath, { force: true });
      throw error;
    }
  } finally {
    if (output !== undefined) closeSync(output);
    closeSync(input);
  }
}

/**
 * Opens the output for writing without following a symbolic link and without truncating, then checks
 * what was opened (not the path, which could change in between): a regular, empty file that is not the
 * input. A link is refused because a failed operation removes its output, which would remove the link
 * and leave the file it points to holding what was written.
 */
function openOutput(outputPath: string, input: Stats): number {
  let output: number;
  try {
    // O_NONBLOCK: a FIFO put at the path must not block the open (it is refused below, or fails with
    // ENXIO when nothing reads it); on a regular file the flag changes nothing.
    const flags =
      constants.O_WRONLY | constants.O_CREAT | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0);
    output = openSync(outputPath, flags, 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ELOOP') {
      throw new InvalidArgumentError(
        `Output ${outputPath} is a symbolic link; write to the file itself (a failed operation removes its output, and through a link that would leave the target holding part of the result).`,
      );
    }
    if ((error as NodeJS.ErrnoException).code === 'ENXIO') {
      throw new InvalidArgumentError(
        `Output ${outputPath} is a FIFO or device, not a regular file; write to a new file (stream to a pipe with encryptStream / decryptStream).`,
      );
    }
    throw error;
  }
  try {
    const existing = fstatSync(output);
    if (existing.dev === input.dev && existing.ino === input.ino) {
      throw new InvalidArgumentError(
        `Input and output are the same file (${outputPath}); write to another path and rename it.`,
      );
    }
    // The output is removed when the operation fails, so it must hold nothing of value beforehand.
    if (!existing.isFile() || existing.size > 0) {
      throw new InvalidArgumentError(
        `Output ${outputPath} already exists and is not an empty file; write to a new path (and rename it over the old one on success).`,
      );
    }
    return output;
  } catch (error) {
    closeSync(output);
    throw error;
  }
}

const readAt = promisify(read);

/**
 * The input from its start in chunks of `chunkBytes` (1 MiB for the paths that stream: one thread,
 * signed suites; smaller for reading a header only as far as its parser asks). Positional reads, not
 * a read stream: a stream closes its descriptor when it is destroyed early (a consumer that fails
 * mid-message), which would leave `withFiles` closing a descriptor no longer its own.
 */
export async function* readInput(files: FilePair, chunkBytes = 1024 * 1024): AsyncGenerator<Buffer> {
  for (let position = 0; ; ) {
    const chunk = Buffer.allocUnsafe(chunkBytes);
    const { bytesRead } = await readAt(files.input, chunk, 0, chunk.length, position);
    if (bytesRead === 0) return;
    position += bytesRead;
    yield chunk.subarray(0, bytesRead);
  }
}

/** Writes a streamed message (or plaintext) to the output, in order. */
export async function writeOutput(
  files: FilePair,
  pieces: AsyncIterable<Buffer> | Iterable<Buffer>,
): Promise<void> {
  let position = 0;
  for await (const piece of pieces) {
    let done = 0;
    while (done < piece.length)
      done += writeSync(files.output, piece, done, piece.length - done, position + done);
    position += piece.length;
  }
}
