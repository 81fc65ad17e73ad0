import { stat } from 'node:fs/promises';
import { CliError, ExitCode } from '../exit-codes.js';
import { AtomicOutput } from './atomic-output.js';
import { openOutput } from './open-output.js';
import { progressBar } from './progress.js';
import type { IoOptions } from './streams.js';

/** The two files of a command that runs in the file mode, and the input's size. */
export interface FileModeFiles {
  readonly input: string;
  readonly output: string;
  readonly size: number;
}

/**
 * The files when a command on `input` with `io` runs in the file mode: a regular input file and an
 * `--output` that is a new or regular file. Undefined otherwise (stdin, stdout, a FIFO or device at
 * either end), and the command streams.
 */
export async function fileModeFiles(
  input: string | undefined,
  io: IoOptions,
): Promise<FileModeFiles | undefined> {
  if (!input || input === '-' || !io.output || io.output === '-') return undefined;
  const info = await stat(input).catch(() => undefined);
  if (!info?.isFile()) return undefined; // reported by the streaming path, which opens it
  const target = await stat(io.output).catch(() => undefined);
  if (target && !target.isFile()) return undefined; // a device or FIFO: streamed (see openOutput)
  return { input, output: io.output, size: info.size };
}

/**
 * Runs a file → file operation in the file mode (encryptFile/decryptFile, on worker threads or on
 * this thread), which writes the output file itself: into the atomic output's temporary file,
 * renamed over `--output` only when `run` succeeded (so a failed decrypt leaves nothing) and removed
 * otherwise. Applies only to `files` from {@link fileModeFiles}; returns undefined without them
 * (stdin, stdout, a FIFO or device), and the caller streams instead.
 *
 * The progress bar is the stream path's (on a terminal stderr, not with --quiet/--json), sized by the
 * input file and fed by `run`'s `onProgress` with the plaintext bytes done; on decrypt the plaintext
 * is a little shorter than the message, so the bar is filled once the whole message authenticated.
 */
export async function runFileMode(
  label: string,
  files: FileModeFiles | undefined,
  io: IoOptions,
  run: (input: string, output: string, onProgress: (done: number) => void) => Promise<void>,
): Promise<{ bytesIn: number; output: string } | undefined> {
  if (!files) return undefined;
  const output = await openOutput(files.output, io.force ?? false);
  if (!(output instanceof AtomicOutput)) {
    await output.abort();
    throw new CliError(`Output ${files.output} changed while it was opened.`, ExitCode.IO);
  }
  const bar = progressBar(label, files.size, !io.quiet && !io.json);
  try {
    await run(files.input, output.handOver(), (done) => bar.update(done));
    bar.update(files.size);
    bar.stop();
    await output.commit();
  } catch (error) {
    bar.stop();
    await output.abort();
    throw error;
  }
  return { bytesIn: files.size, output: files.output };
}
