import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { FleetMessage } from '@envelope/core';
import type { FleetInput } from './fleet-inputs.js';
import { removeOnExit } from './remove-on-exit.js';

const CHUNK = 1024 * 1024;

/**
 * A file as a fleet message. `write` goes to a hidden 0600 temporary file beside the destination,
 * which is fsynced, given the original's permission bits, and renamed over the destination (the
 * input itself, or its place under --out-dir); the directory is fsynced so the rename survives a
 * crash. Any failure — the new message not verifying included — deletes the temporary file and
 * leaves the destination as it was; so does a signal (see remove-on-exit).
 */
export function fileMessage(input: FleetInput, outDir: string | undefined, force: boolean): FleetMessage {
  const destination = outDir ? join(outDir, input.relativePath) : input.path;
  return {
    id: input.path,
    size: input.size,
    read: () => createReadStream(input.path, { highWaterMark: CHUNK }),
    readWritten: () => createReadStream(destination, { highWaterMark: CHUNK }),
    write: (message) => writeAtomically(destination, message, input.path, force || !outDir),
  };
}

async function writeAtomically(
  destination: string,
  message: AsyncIterable<Uint8Array>,
  original: string,
  replace: boolean,
): Promise<void> {
  const directory = dirname(destination);
  await mkdir(directory, { recursive: true });
  if (!replace && (await stat(destination).catch(() => undefined))) {
    throw new Error(`${destination} already exists (pass --force to replace it)`);
  }
  const temporary = join(directory, `.${basename(destination)}.${randomBytes(6).toString('hex')}.partial`);
  const file = await open(temporary, 'wx', 0o600);
  const forget = removeOnExit(temporary);
  try {
    try {
      for await (const chunk of message) await file.write(chunk);
      await file.chmod((await stat(original)).mode & 0o777);
      await file.sync();
    } finally {
      await file.close();
    }
    await rename(temporary, destination);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  } finally {
    forget();
  }
  await syncDirectory(directory);
}

async function syncDirectory(directory: string): Promise<void> {
  const handle = await open(directory, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
