import { closeSync, constants, createWriteStream, open, type WriteStream } from 'node:fs';
import { isatty } from 'node:tty';
import { promisify } from 'node:util';
import { CliError, ExitCode } from '../exit-codes.js';

/**
 * Output to a character device or FIFO (`/dev/null`, a named pipe): written in place, as stdout is,
 * since such a file cannot be replaced by renaming — that would swap the device node for a regular
 * file. Like stdout, a reader may see the start of a message that later fails; the exit code says so.
 */
export class DirectOutput {
  private constructor(readonly stream: WriteStream) {}

  static async open(target: string): Promise<DirectOutput> {
    // No O_CREAT or O_TRUNC: if the special file vanished meanwhile, fail rather than create one.
    // Opening a FIFO waits for a reader, as a shell redirection does.
    const fd = await promisify(open)(target, constants.O_WRONLY);
    if (isatty(fd)) {
      closeSync(fd);
      throw new CliError(
        `Refusing to write binary output to the terminal ${target}.`,
        ExitCode.USAGE,
        'name a file for --output',
      );
    }
    return new DirectOutput(createWriteStream(target, { fd }));
  }

  async commit(): Promise<void> {}

  async abort(): Promise<void> {
    this.stream.destroy();
  }
}
