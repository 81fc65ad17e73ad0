import { randomBytes } from 'node:crypto';
import { createWriteStream, type WriteStream } from 'node:fs';
import { access, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { CliError, ExitCode } from '../exit-codes.js';

/**
 * Output that appears only when complete: bytes go to a hidden temporary file beside the target
 * (mode 0600), which is renamed over the target on success and deleted on failure. So a failed
 * decrypt leaves no partial plaintext behind, and an existing file is never half-overwritten.
 */
export class AtomicOutput {
  readonly stream: WriteStream;
  readonly #temporary: string;
  #settled = false;

  private constructor(readonly target: string) {
    this.#temporary = join(dirname(target), `.${basename(target)}.${randomBytes(6).toString('hex')}.partial`);
    this.stream = createWriteStream(this.#temporary, { flags: 'wx', mode: 0o600 });
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

  async commit(): Promise<void> {
    this.#settled = true;
    await rename(this.#temporary, this.target);
  }

  async abort(): Promise<void> {
    if (this.#settled) return;
    this.#settled = true;
    this.stream.destroy();
    await rm(this.#temporary, { force: true });
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
