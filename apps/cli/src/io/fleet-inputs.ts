import { lstat, readFile, realpath, stat } from 'node:fs/promises';
import { isAbsolute, relative, resolve } from 'node:path';
import { escapePath, glob, isDynamicPattern } from 'tinyglobby';
import { CliError, ExitCode } from '../exit-codes.js';

/** One input file of a fleet rewrap: its real path, size, and path relative to the input it came from. */
export interface FleetInput {
  readonly path: string;
  readonly size: number;
  /** Where it goes under --out-dir. */
  readonly relativePath: string;
}

/** Our own temporary files (atomic writes in progress or left by a killed run) are never inputs. */
const TEMPORARY = '**/.*.partial';

/**
 * Expands the inputs: a directory is walked recursively (symbolic links not followed), a pattern
 * that names no existing path is a glob (tinyglobby), `--files-from` adds one path per line. Each
 * file appears once (by real path); `exclude` (the journal) is left out.
 */
export async function expandInputs(
  args: readonly string[],
  filesFrom: string | undefined,
  exclude: readonly string[],
): Promise<FleetInput[]> {
  const listed = [...args];
  if (filesFrom !== undefined) {
    const text = filesFrom === '-' ? await readStdin() : await readFile(filesFrom, 'utf8');
    listed.push(...text.split(/\r?\n/).filter((line) => line.trim() !== ''));
  }
  if (listed.length === 0) {
    throw new CliError('No inputs: name files, directories or globs, or pass --files-from.', ExitCode.USAGE);
  }
  const excluded = new Set(exclude.map((p) => resolve(p)));
  const found = new Map<string, FleetInput>();
  const add = async (path: string, base: string) => {
    const real = await realpath(path);
    if (found.has(real) || excluded.has(real) || excluded.has(resolve(path))) return;
    const info = await stat(real);
    if (!info.isFile()) return;
    const rel = relative(base, resolve(path));
    found.set(real, {
      path: real,
      size: info.size,
      relativePath: rel.startsWith('..') || isAbsolute(rel) ? resolve(path).replace(/^\/+/, '') : rel,
    });
  };
  for (const arg of listed) {
    const info = await lstat(arg).catch(() => undefined);
    if (info?.isDirectory()) {
      const root = resolve(arg);
      const files = await glob('**/*', {
        cwd: root,
        dot: true,
        onlyFiles: true,
        ignore: TEMPORARY,
        followSymbolicLinks: false,
      });
      for (const file of files.sort()) await add(resolve(root, file), root);
    } else if (info) {
      await add(arg, process.cwd());
    } else if (isDynamicPattern(arg)) {
      const files = await glob(arg, {
        dot: false,
        onlyFiles: true,
        ignore: TEMPORARY,
        expandDirectories: false,
      });
      if (files.length === 0) throw new CliError(`The pattern ${arg} matches no file.`, ExitCode.IO);
      for (const file of files.sort()) await add(file, process.cwd());
    } else {
      throw new CliError(
        `Input ${arg} does not exist.`,
        ExitCode.IO,
        `quote it as ${escapePath(arg)} if it is a literal name`,
      );
    }
  }
  return [...found.values()];
}

async function readStdin(): Promise<string> {
  const parts: Buffer[] = [];
  for await (const chunk of process.stdin) parts.push(chunk as Buffer);
  return Buffer.concat(parts).toString('utf8');
}
