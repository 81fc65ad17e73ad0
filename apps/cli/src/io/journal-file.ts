import { type FileHandle, open, readFile, rm } from 'node:fs/promises';
import type { FleetJournal, FleetJournalEntry } from '@envelope/core';
import { CliError, ExitCode } from '../exit-codes.js';

/**
 * The journal of a fleet rewrap: JSON lines, the first naming the run (mode, configs, out-dir) so a
 * journal is only ever resumed by the same run, then one entry per step of a message. `rewriting`
 * entries are fsynced before the new message is written, so after a crash the next run can tell a
 * stored rewrite (its message id is in the file) from one that never landed. A torn last line (the
 * process died mid-append) is ignored.
 */
export class JournalFile implements FleetJournal {
  readonly #last = new Map<string, FleetJournalEntry>();
  readonly #file: FileHandle;
  #queue: Promise<void> = Promise.resolve();

  private constructor(
    readonly path: string,
    file: FileHandle,
  ) {
    this.#file = file;
  }

  /** Opens (or starts) the journal at `path` for the run described by `run`. */
  static async open(path: string, run: Record<string, unknown>): Promise<JournalFile> {
    const identity = JSON.stringify({ journal: 'envelope-rewrap', version: 1, run });
    const text = await readFile(path, 'utf8').catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return undefined;
      throw error;
    });
    const lines = text?.split('\n') ?? [];
    if (text !== undefined && lines[0] !== identity) {
      throw new CliError(
        `The journal ${path} belongs to another rewrap run (other inputs, configs or mode).`,
        ExitCode.USAGE,
        'finish that run, delete the journal, or pass --journal <another file>',
      );
    }
    const file = await open(path, 'a', 0o600);
    if (text === undefined) {
      await file.write(`${identity}\n`);
      await file.sync();
    }
    const journal = new JournalFile(path, file);
    for (const line of lines.slice(1)) {
      try {
        const entry = JSON.parse(line) as FleetJournalEntry;
        if (typeof entry?.id === 'string') journal.#last.set(entry.id, entry);
      } catch {
        // the torn tail of an interrupted append
      }
    }
    if (text !== undefined && !text.endsWith('\n')) await file.write('\n');
    return journal;
  }

  lookup(id: string): FleetJournalEntry | undefined {
    return this.#last.get(id);
  }

  record(entry: FleetJournalEntry): Promise<void> {
    this.#last.set(entry.id, entry);
    const write = this.#queue.then(async () => {
      await this.#file.write(`${JSON.stringify(entry)}\n`);
      if (entry.state === 'rewriting') await this.#file.datasync();
    });
    this.#queue = write.catch(() => {});
    return write;
  }

  async close(remove: boolean): Promise<void> {
    await this.#queue;
    await this.#file.close();
    if (remove) await rm(this.path, { force: true });
  }
}
