import { stat } from 'node:fs/promises';
import type { Writable } from 'node:stream';
import { CliError, ExitCode } from '../exit-codes.js';
import { AtomicOutput } from './atomic-output.js';
import { DirectOutput } from './direct-output.js';

/** Where `--output` bytes go: `commit` once the whole operation succeeded, `abort` otherwise. */
export interface Output {
  readonly stream: Writable;
  commit(): Promise<void>;
  abort(): Promise<void>;
}

/**
 * A new or regular file gets atomic output (temp file + rename; replacing an existing file needs
 * --force). A character device or FIFO is written directly and never replaced. A directory, block
 * device or socket is refused before any work is done.
 */
export async function openOutput(target: string, force: boolean): Promise<Output> {
  const info = await stat(target).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  });
  if (!info || info.isFile()) return AtomicOutput.open(target, force);
  if (info.isCharacterDevice() || info.isFIFO()) return DirectOutput.open(target);
  const kind = info.isDirectory() ? 'a directory' : info.isBlockDevice() ? 'a block device' : 'a socket';
  throw new CliError(
    `Output ${target} is ${kind}; refusing to write to it.`,
    ExitCode.IO,
    'name a file for --output',
  );
}
