import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { CliError, ExitCode } from '../exit-codes.js';
import { openOutput } from './open-output.js';
import { progressMeter } from './progress.js';

export interface IoOptions {
  readonly output?: string;
  readonly force?: boolean;
  readonly quiet?: boolean;
  readonly json?: boolean;
}

/** The input file (or stdin for `-` / none) and its size when known. */
export async function openInput(
  path: string | undefined,
): Promise<{ stream: Readable; size: number | undefined; name: string }> {
  if (!path || path === '-') return { stream: process.stdin, size: undefined, name: 'stdin' };
  let info: Awaited<ReturnType<typeof stat>>;
  try {
    info = await stat(path);
  } catch {
    throw new CliError(`Input file ${path} does not exist.`, ExitCode.IO);
  }
  if (!info.isFile()) throw new CliError(`Input ${path} is not a regular file.`, ExitCode.IO);
  return { stream: createReadStream(path, { highWaterMark: 1024 * 1024 }), size: info.size, name: path };
}

/**
 * Runs input → (progress) → transform → output. File output is atomic (temp file + rename); stdout,
 * device and FIFO output is streamed, and a failure is reported by the exit code.
 */
export async function runPipeline(
  label: string,
  inputPath: string | undefined,
  transform: NodeJS.ReadWriteStream,
  io: IoOptions,
): Promise<{ bytesIn: number | undefined; output: string }> {
  if (io.json && !io.output) {
    throw new CliError(
      '--json needs --output: stdout carries the data.',
      ExitCode.USAGE,
      'pass --output <file>',
    );
  }
  if (!io.output && process.stdout.isTTY) {
    throw new CliError(
      'Refusing to write binary output to a terminal.',
      ExitCode.USAGE,
      'pass --output <file> or redirect stdout',
    );
  }
  const input = await openInput(inputPath);
  const meter = progressMeter(label, input.size, !io.quiet && !io.json);
  if (!io.output) {
    await pipeline(input.stream, meter, transform, process.stdout as Writable, { end: false });
    return { bytesIn: input.size, output: 'stdout' };
  }
  const output = await openOutput(io.output, io.force ?? false);
  try {
    await pipeline(input.stream, meter, transform, output.stream);
    await output.commit();
  } catch (error) {
    await output.abort();
    throw error;
  }
  return { bytesIn: input.size, output: io.output };
}
