/**
 * Packs every publishable workspace package with pnpm (which rewrites `workspace:*` ranges and applies
 * `publishConfig`, as a publish would) into one folder. Packages must be built first (`pnpm build`).
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));

export interface PackedPackage {
  readonly name: string;
  readonly dir: string;
  readonly tarball: string;
}

/** Workspace package folders that are published (not `private`). */
export function publishableDirs(): string[] {
  return ['packages', 'apps']
    .flatMap((group) => readdirSync(join(ROOT, group)).map((name) => join(ROOT, group, name)))
    .filter((dir) => {
      try {
        return !JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).private;
      } catch {
        return false;
      }
    });
}

/** pnpm as the caller runs it: the running pnpm when invoked by a pnpm script, else the pinned one. */
export function pnpm(args: string[], cwd: string): string {
  const execPath = process.env.npm_execpath;
  const [command, prefix]: [string, string[]] = !execPath?.includes('pnpm')
    ? ['npx', ['-y', 'pnpm@12.21.0']]
    : /\.[cm]?js$/.test(execPath)
      ? [process.execPath, [execPath]]
      : [execPath, []]; // pnpm 12 ships as a native executable
  return execFileSync(command, [...prefix, ...args], {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

export function packWorkspace(destination: string): PackedPackage[] {
  return publishableDirs().map((dir) => {
    const { name } = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name: string };
    const out = pnpm(['pack', '--json', '--pack-destination', destination], dir);
    const { filename } = JSON.parse(out.slice(out.indexOf('{'))) as { filename: string };
    return { name, dir, tarball: resolve(destination, filename) };
  });
}
