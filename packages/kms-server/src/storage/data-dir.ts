import { chmodSync, mkdirSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

export const DATA_DIR_ENV = 'ENVELOPE_KMS_DATA_DIR';
export const DATABASE_FILE = 'kms.sqlite';

/** `$ENVELOPE_KMS_DATA_DIR`, else `~/.envelope/kms`. */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env): string {
  return resolve(env[DATA_DIR_ENV] || join(homedir(), '.envelope', 'kms'));
}

export interface PreparedDataDir {
  readonly dir: string;
  /** True when an existing dir is readable or writable by group or others (left as it is). */
  readonly shared: boolean;
}

/**
 * Creates the data dir (0700) if needed. An existing dir keeps its mode: chmod-ing a directory the
 * user pointed us at (say `/tmp`) could break other programs, so the caller only warns.
 */
export function prepareDataDir(dataDir: string): PreparedDataDir {
  const dir = resolve(dataDir);
  let created = false;
  try {
    statSync(dir);
  } catch {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    chmodSync(dir, 0o700); // the umask may not narrow 0700, but make it exact
    created = true;
  }
  return { dir, shared: !created && (statSync(dir).mode & 0o077) !== 0 };
}
