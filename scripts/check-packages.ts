/**
 * `pnpm check:packages`: every publishable package, packed as a publish would pack it, passes publint
 * (strict) and @arethetypeswrong/cli, and its public API matches the committed report in api-reports/
 * (API Extractor). After an intended API change, `pnpm api:update` rewrites the reports for review.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packWorkspace, ROOT } from './pack-workspace.js';

const update = process.argv.includes('--update');
const bin = (name: string) => join(ROOT, 'node_modules', '.bin', name);
const failures: string[] = [];

function run(label: string, command: string, args: string[], cwd = ROOT): void {
  try {
    execFileSync(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
    console.log(`ok    ${label}`);
  } catch (error) {
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
    failures.push(label);
    console.log(`FAIL  ${label}\n${`${stdout}${stderr}`.trim().replace(/^/gm, '      ')}`);
  }
}

const packDir = mkdtempSync(join(tmpdir(), 'envelope-pack-'));
try {
  for (const pkg of packWorkspace(packDir)) {
    run(`publint ${pkg.name}`, bin('publint'), ['run', pkg.tarball, '--strict']);
    if (pkg.name === '@envelope/cli') continue; // a command, no importable API
    // ESM only: CommonJS callers load it with require() on Node >= 20.19 (require(esm)); see README.
    run(`attw ${pkg.name}`, bin('attw'), [pkg.tarball, '--profile', 'esm-only', '--format', 'ascii']);
    run(`api-extractor ${pkg.name}`, bin('api-extractor'), ['run', ...(update ? ['--local'] : [])], pkg.dir);
  }
} finally {
  rmSync(packDir, { recursive: true, force: true });
}
if (failures.length > 0) {
  console.log(
    `\n${failures.length} packaging check(s) failed.${failures.some((f) => f.startsWith('api-extractor')) ? ' If the API change is intended, run `pnpm api:update` and commit api-reports/.' : ''}`,
  );
  process.exitCode = 1;
}
