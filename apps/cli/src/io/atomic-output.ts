import { randomBytes } from 'node:crypto';
import { createWriteStream, openSync, type WriteStream } from 'node:fs';
import { access, lstat, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { CliError, ExitCode } from '../exit-codes.js';
import { removeOnExit } from './remove-on-exit.js';

/**
 * Output that appears only when complete: bytes go to a hidden temporary file beside the target
 * (mode 0600), which is renamed over the target on success and deleted on every other path — a
 * failed operation, a failed rename, an uncaught error, SIGINT/SIGTERM/SIGHUP. So a failed decrypt
 * leaves no partial plaintext behind, and an existing file is never half-overwritten. Only regular
 * files (or symbolic links) are ever replaced: never a directory, device or FIFO.
 */
export class AtomicOutput {
  readonly stream: WriteStream;
  readonly #temporary: string;
  readonly #forget: () => void;
  #open = true;

  private constructor(readonly target: string) {
    this.#temporary = join(dirname(target), `.${basename(target)}.${randomBytes(6).toString('hex')}.partial`);
    // Opened synchronously and registered at once, so no signal can arrive between the file
    // appearing and its removal being arranged.
    const fd = openSync(this.#temporary, 'wx', 0o600);
    this.#forget = removeOnExit(this.#temporary);
    this.stream = createWriteStream(this.#temporary, { fd });
  }

  static async open(target: string, force: boolean): Promise<AtomicOutput> {
    if (!force && (await exists(target))) {
      throw new CliError(
        `Output file ${target} already exists.`,
        ExitCode.OUTPUT_EXISTS,
        'pass --force to replace it',
      );
    }
    return new AtomicOutput(target);
  }

  /**
   * The temporary file's path, for a writer that writes it by itself (the parallel file mode's
   * workers). Closes this output's own stream, which then writes nothing.
   */
  handOver(): string {
    this.stream.destroy();
    return this.#temporary;
  }

  /** Renames the finished file over the target. On failure the temporary file is still ours to abort. */
  async commit(): Promise<void> {
    if (!this.#open) throw new Error('AtomicOutput was already committed or aborted.');
    await assertReplaceable(this.target);
    await rename(this.#temporary, this.target);
    this.#open = false;
    this.#forget();
  }

  async abort(): Promise<void> {
    if (!this.#open) return;
    this.#open = false;
    this.stream.destroy();
    await rm(this.#temporary, { force: true });
    this.#forget();
  }
}

/** Checked again just before the rename: the target may have changed since the output was opened. */
async function assertReplaceable(target: string): Promise<void> {
  const info = await lstat(target).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  });
  if (info && !info.isFile() && !info.isSymbolicLink()) {
    throw new CliError(
      `Output ${target} is not a regular file; it was not replaced.`,
      ExitCode.IO,
      'name a file path for --output',
    );
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}
